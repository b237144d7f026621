// Upload with a progress bar; a retry after a dropped connection reuses the Idempotency-Key.
import { t } from "./i18n.js";

const form = document.getElementById("upload-form");
const bar = document.getElementById("upload-progress");
const message = document.getElementById("upload-message");
const button = form.querySelector('button[type="submit"]');
let idempotencyKey = null;
form.addEventListener("input", () => { idempotencyKey = null; });

function send(data) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/cases");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Idempotency-Key", idempotencyKey);
    xhr.setRequestHeader("X-CSRFToken", document.querySelector('meta[name="csrf-token"]').content);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = (100 * e.loaded) / e.total; };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (_) { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new Error((body && body.error) || t("The server answered %(status)s.", { status: xhr.status })));
    };
    xhr.onerror = () => reject(new Error(t("The connection dropped. Press Send again: the upload will not be duplicated.")));
    xhr.send(data);
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!form.patient_ref.value.trim()) { message.textContent = t("Please fill in the patient reference."); return; }
  if (!form.files.files.length) { message.textContent = t("Please choose the ECG file(s)."); return; }
  idempotencyKey = idempotencyKey || (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
  button.disabled = true; bar.hidden = false; bar.value = 0;
  message.className = ""; message.textContent = t("Uploading…");
  try {
    const body = await send(new FormData(form));
    message.textContent = t("Received and stored safely. Opening the case…");
    window.location.href = `/cases/${body.case.id}`;
  } catch (err) {
    message.className = "error"; message.textContent = err.message;
    button.disabled = false;
  }
});
