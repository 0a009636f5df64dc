/* Draw the state diagrams (Mermaid text produced by the server from the workflow). */
(function () {
  if (window.mermaid) {
    window.mermaid.initialize({ startOnLoad: true, securityLevel: "strict", theme: "neutral" });
  }
})();
