/* Draw the state diagrams, confirm the moves of a dossier, send the evidence forms in the
   background, and warn before leaving a page with unsaved figures or verdicts. */
(function () {
  if (window.mermaid) {
    window.mermaid.initialize({ startOnLoad: true, securityLevel: "strict", theme: "neutral" });
  }
  var page = document.documentElement;

  function say(text) {
    // A message in the page's message area, as the server's own would appear.
    var area = document.getElementById("flashes");
    if (!area) { window.alert(text); return; }
    area.innerHTML = "";
    var div = document.createElement("div");
    div.className = "alert alert-danger";
    div.setAttribute("role", "alert");
    div.textContent = text;
    area.appendChild(div);
    area.scrollIntoView({ block: "nearest" });
  }

  function typedValues(root) {
    // What a person may have typed in a part of the page: kept when that part is redrawn.
    var kept = [];
    root.querySelectorAll("input[id], textarea[id], select[id]").forEach(function (el) {
      if (el.type === "hidden" || el.type === "file") { return; }
      kept.push([el.id, el.type === "checkbox" || el.type === "radio" ? el.checked : el.value]);
    });
    return kept;
  }

  function restore(kept) {
    kept.forEach(function (pair) {
      var el = document.getElementById(pair[0]);
      if (!el) { return; }
      if (el.type === "checkbox" || el.type === "radio") { el.checked = pair[1]; } else { el.value = pair[1]; }
    });
  }

  // The evidence forms (attach, correct, remove) are sent in the background: the server answers
  // with the dossier page, and the parts of it marked data-refresh replace their old selves.
  // Figures and verdicts typed and not yet saved are not in those parts, so nothing typed is lost.
  // Without this script the same forms post and redirect as any other.
  function sendInBackground(form, submitter) {
    var sentIn = form.closest("[data-refresh]");
    var fileInput = form.querySelector('input[type="file"]');
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    page.setAttribute("aria-busy", "true");
    var body = new FormData(form);
    if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text().then(function (html) { return { ok: response.ok, status: response.status, html: html }; });
    }).then(function (answer) {
      var fresh = new DOMParser().parseFromString(answer.html, "text/html");
      if (!fresh.getElementById("criteria")) {  // not the dossier page (signed out, an error page)
        say((document.body.dataset.failed || "%s").replace("%s", fresh.title || String(answer.status)));
        buttons.forEach(function (b) { b.disabled = false; });
        return;
      }
      var kept = [];
      document.querySelectorAll("[data-refresh][id]").forEach(function (old) {
        var replacement = fresh.getElementById(old.id);
        if (!replacement) { return; }
        if (old !== sentIn) { kept = kept.concat(typedValues(old)); }
        old.replaceWith(document.importNode(replacement, true));
      });
      restore(kept);
      if (answer.ok) {
        // Our own change made the new revision: the forms not redrawn now send it.
        var revision = document.getElementById("revision");
        if (revision) {
          document.querySelectorAll('input[name="version"]').forEach(function (el) { el.value = revision.dataset.version; });
        }
      } else if (fileInput && sentIn && sentIn.id) {
        // Refused: the chosen file stays chosen (a browser cannot set it again).
        var redrawn = document.getElementById(sentIn.id);
        var slot = redrawn && redrawn.querySelector("#" + CSS.escape(fileInput.id));
        if (slot) { fileInput.className = slot.className; slot.replaceWith(fileInput); }
      }
      if (!answer.ok) {
        // The refusal is told at the field: go there, not to the top of the page.
        var block = sentIn && sentIn.id ? document.getElementById(sentIn.id) : null;
        var wrong = (block || document).querySelector(".is-invalid") || document.querySelector('[data-testid="refusal"]');
        if (wrong) { wrong.scrollIntoView({ block: "center" }); if (wrong.focus) { wrong.focus(); } }
      }
    }).catch(function () {
      say(document.body.dataset.offline || "The server could not be reached: nothing was sent. Try again.");
      buttons.forEach(function (b) { b.disabled = false; });
    }).finally(function () {
      page.removeAttribute("aria-busy");
    });
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
    // Moves of a dossier ask first (a summary before sending it on, a warning before a return,
    // a withdrawal or a revocation); so does removing a file. Forms marked data-async go in the
    // background. Listened for on the document: redrawn forms need no new listeners.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var button = event.submitter;
      if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      if (form.hasAttribute("data-async") && window.fetch && window.DOMParser) {
        event.preventDefault();
        sendInBackground(form, button);
      }
    });
    // A "tick all" box ticks the boxes of its table.
    document.querySelectorAll("input[data-check-all]").forEach(function (all) {
      all.addEventListener("change", function () {
        all.closest("table").querySelectorAll('tbody input[type="checkbox"]').forEach(function (box) { box.checked = all.checked; });
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
