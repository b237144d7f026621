// Constants of the ECG viewer: paper, colours, sizes, timings (no DOM, no i18n).

export const CSS_PX_PER_MM = 96 / 25.4;   // CSS reference pixel: 96 per inch
export const SPEEDS = [25, 50];           // mm/s
export const GAINS = [5, 10, 20];         // mm/mV
export const PAGE_LENGTHS = [10, 20, 30, 60];   // s, stacked (Holter) pages; 0 = one line per lead
export const BOLD_MM = 5;                 // bold grid every 5 mm
export const CAL_S = 0.2;                 // calibration pulse width (s)
export const CAL_MV = 1;                  // calibration pulse height (mV)

export const PAPER_BG = '#fffafa';
export const GRID_MINOR = '#f5c6c6';
export const GRID_MAJOR = '#e38b8b';
export const STRIP_SEP = 'rgba(140, 30, 30, 0.55)';
export const TRACE = '#101010';
export const SEL_RGB = '37, 99, 235';
export const SEVERITY_RGB = { critical: '220, 38, 38', urgent: '234, 88, 12', routine: '107, 114, 128' };
export const SEVERITY_RANK = { routine: 0, urgent: 1, critical: 2 };
export const BEAT_COLOR = { N: '#6b7280', V: '#dc2626', S: '#2563eb' };
export const BEAT_OTHER = '#7c3aed';

// Sizes in CSS px (scaled by devicePixelRatio when drawn).
export const LANE_CSS = 18;        // beat-label lane above the strips
export const AXIS_CSS = 22;        // time axis under the strips
export const ROW_CSS = 15;         // annotation label row height
export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
export const OVERVIEW_CSS = 72;
export const TOP12_CSS = 4;        // margin above the 12-lead sheet
export const PHONE_MAX_CSS = 500;  // narrower containers get one column of leads

// The 12-lead sheet: standard lead order, and the leads of each column
// (indices into STANDARD_12), top row first.
export const STANDARD_12 = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];
export const LAYOUT_12 = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]];

// Full disclosure: lines of DISCLOSURE_LINE_S, DISCLOSURE_LINES per page, one lead.
export const DISCLOSURE_LINE_S = 60;
export const DISCLOSURE_LINES = 30;
export const DISCLOSURE_ROW_MM = 10;
export const MAX_POINTS = 20000;   // the signal API's cap per request

export const CALIPER = '#0f766e';  // teal: not an author hue band, not a severity
export const CALIPER_GRAB_CSS = 7;

export const MIN_DRAG_S = 0.02;    // shorter drags are clicks
export const MIN_DRAG_CSS = 3;     // ... and so is pointer jitter below this
export const CACHE_SIZE = 16;      // fetched windows kept (each ~ width x leads x 2 floats)
export const LOAD_DEBOUNCE_MS = 40;
export const LOADING_DELAY_MS = 150;   // don't flash "loading…" for fast responses
export const FLASH_MS = 1800;
