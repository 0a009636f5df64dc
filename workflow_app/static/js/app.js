/* Draw the state diagrams, and warn before leaving a page with unsaved figures or verdicts. */
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
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  });
})();
