/* Draw the state diagrams, confirm the moves of a dossier, and warn before leaving a page with
   unsaved figures or verdicts. */
(function () {
  if (window.mermaid) {
    window.mermaid.initialize({ startOnLoad: true, securityLevel: "strict", theme: "neutral" });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var dirty = false;
    var fields = document.querySelectorAll('[form="sheet-form"], [form="verdicts-form"]');
    fields.forEach(function (el) {
      el.addEventListener("input", function () { dirty = true; });
      el.addEventListener("change", function () { dirty = true; });
    });
    document.querySelectorAll("#sheet-form, #verdicts-form").forEach(function (form) {
      form.addEventListener("submit", function () { dirty = false; });
    });
    // Moves of a dossier ask first: a summary before sending it on, a warning before a return,
    // a withdrawal or a revocation.
    document.querySelectorAll("button[data-confirm]").forEach(function (button) {
      button.form.addEventListener("submit", function (event) {
        if (event.submitter === button && !window.confirm(button.dataset.confirm)) {
          event.preventDefault();
        }
      });
    });
    // On a phone, the diagram and long lists of blockers start folded.
    if (window.matchMedia("(max-width: 767px)").matches) {
      document.querySelectorAll("details[data-fold-on-phone]").forEach(function (d) { d.open = false; });
    }
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });
})();
