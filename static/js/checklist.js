// The criterion form saves itself through htmx (data-hx-post on the form, see criterion.html).
// This module keeps its status line honest, so people always know whether their latest change
// is saved: "Unsaved changes", "Saving…", the server's "Saved at 14:03" or "Not saved: …".
// Progressive enhancement only: without it (or without JavaScript) the Save buttons post the form.

const CONNECTION =
  "Not saved: check your connection. Your changes are still on this page; press Save to try again.";
const MESSAGES = {
  0: CONNECTION,
  403: "Not saved: you cannot change this criterion now (it may have been signed off). Copy your changes before you leave this page.",
  404: "Not saved: this criterion could not be found. Copy your changes before you leave this page.",
};
const SIGNED_OUT =
  "Not saved: you may have been signed out. Copy your changes, then reload the page.";

function failureMessage(xhr) {
  if (!xhr) return CONNECTION;
  if (xhr.status >= 200 && xhr.status < 300) return SIGNED_OUT;
  return MESSAGES[xhr.status] ?? `Not saved: something went wrong (error ${xhr.status}). Press Save to try again.`;
}

function setUp(form) {
  const status = document.getElementById(form.dataset.autosave);
  if (!status) return;

  let edits = 0; // changes made on this page
  let sentEdits = 0; // the changes included in the save in flight
  let savedEdits = 0; // the changes known to be saved
  let inFlight = false;
  let submitting = false;
  let resubmit = null; // a Save pressed while a save was in flight: { submitter }
  // After a conflict every save would be refused: stop saving and keep the conflict message
  // (and its "Compare" button) in place until the person compares or reloads.
  let conflicted = false;

  const show = (text, state) => {
    const line = document.createElement("p");
    line.className = "nhsuk-body nhsuk-u-margin-bottom-0";
    line.textContent = text;
    status.replaceChildren(line);
    status.dataset.state = state;
  };

  const markUnsaved = (event) => {
    if (event.target instanceof HTMLButtonElement) return;
    edits += 1;
    if (!conflicted) show("Unsaved changes", "unsaved");
  };
  form.addEventListener("input", markUnsaved);
  form.addEventListener("change", markUnsaved);

  form.addEventListener("htmx:beforeRequest", (event) => {
    if (conflicted) {
      event.preventDefault();
      return;
    }
    inFlight = true;
    sentEdits = edits;
    show("Saving…", "saving");
  });

  // Our fragments carry data-save-state; anything else (a sign-in page after the session
  // ended, say) must not be swapped into the status line.
  form.addEventListener("htmx:beforeSwap", (event) => {
    const { xhr } = event.detail;
    if (!(typeof xhr.response === "string" && xhr.response.includes("data-save-state"))) {
      event.detail.shouldSwap = false;
    }
  });

  // The button pressed may have been swapped out meanwhile (the status line's "Compare"
  // button): use the one that replaced it.
  const currentButton = (button) => {
    if (!button || button.isConnected) return button ?? undefined;
    return [...form.elements].find(
      (element) =>
        element.type === "submit" && element.name === button.name && element.value === button.value,
    );
  };

  const finished = (event) => {
    inFlight = false;
    const answer = status.querySelector("[data-save-state]");
    const state = answer ? answer.dataset.saveState : undefined;
    if (state === "saved") {
      savedEdits = sentEdits;
      status.dataset.state = "saved";
      if (edits > sentEdits) show("Unsaved changes", "unsaved");
    } else if (state === undefined) {
      show(failureMessage(event.detail.xhr), "error");
    } else {
      status.dataset.state = state;
      conflicted = state === "conflict";
    }
    if (resubmit) {
      const { submitter } = resubmit;
      resubmit = null;
      form.requestSubmit(currentButton(submitter));
    }
  };

  form.addEventListener("htmx:afterRequest", finished);
  for (const name of ["htmx:sendError", "htmx:timeout"]) {
    form.addEventListener(name, () => show(CONNECTION, "error"));
  }
  form.addEventListener("htmx:responseError", (event) => {
    if (!status.querySelector("[data-save-state]")) {
      show(failureMessage(event.detail.xhr), "error");
    }
  });

  // Save pressed while a save is in flight: wait for it, so this post carries the version it
  // returns rather than refusing itself as a conflict.
  form.addEventListener("submit", (event) => {
    if (inFlight) {
      event.preventDefault();
      resubmit = { submitter: event.submitter };
      return;
    }
    submitting = true;
  });

  window.addEventListener("beforeunload", (event) => {
    if (!submitting && edits > savedEdits) event.preventDefault();
  });

  if (window.htmx) show("Changes save automatically as you type.", "ready");
}

for (const form of document.querySelectorAll("form[data-autosave]")) {
  setUp(form);
}
