// The language switch submits itself when a language is chosen; the button stays for no-JS use.
const form = document.querySelector(".language-switch");
if (form) {
  form.querySelector("select").addEventListener("change", () => form.submit());
  form.querySelector('button[type="submit"]').hidden = true;
}
