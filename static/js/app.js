// Progressive enhancement only: every page works without this file.
import { initAll } from "../vendor/nhsuk-frontend.min.js";

initAll();

// Confirm buttons marked data-confirm (no inline handlers under the CSP).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
