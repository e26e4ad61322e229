// What Swagger UI draws when an operation is opened, made reachable and named (axe-core):
// - its code examples scroll sideways but cannot take focus: each becomes focusable, so a keyboard
//   can scroll it;
// - a parameter with a fixed set of values is a <select> with no name: it takes the parameter's;
// - the request body's text box and the Authorize dialog's close button get names too.
(function () {
  "use strict";
  function fix() {
    document.querySelectorAll(".swagger-ui .highlight-code > pre:not([tabindex])").forEach(code => {
      code.tabIndex = 0;
    });
    document.querySelectorAll(".swagger-ui tr[data-param-name] select:not([aria-label])").forEach(select => {
      const row = select.closest("tr[data-param-name]");
      select.setAttribute("aria-label", row.dataset.paramName);
    });
    document.querySelectorAll(".swagger-ui textarea.body-param__text:not([aria-label])").forEach(body => {
      body.setAttribute("aria-label", "Request body");
    });
    document.querySelectorAll(".swagger-ui .close-modal:not([aria-label])").forEach(close => {
      close.setAttribute("aria-label", "Close");
    });
  }
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => { pending = false; fix(); });
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
