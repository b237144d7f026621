// The printable report's Print button (no inline handlers: the page works under a strict CSP).
const button = document.getElementById("print-report");
if (button) button.addEventListener("click", () => window.print());
