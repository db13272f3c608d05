/* The portal's own script (no framework, no CDN). The Content-Security-Policy allows no inline script, so
 * behaviour that a template would once have written as onsubmit="…" is declared with a data attribute here.
 *
 * A form marked data-confirm="确定……吗？" asks that question before it is sent; 取消 sends nothing.
 *
 * A form marked data-busy="正在……" is sent once: on submit its buttons are disabled and the message
 * appears in its [data-busy-text] element, so that a long request (a 100,000-row import) is not sent
 * again by an impatient second click. Going back to the page (the browser's page cache) re-enables it.
 */
(function () {
  "use strict";

  function buttons(form) {
    return form.querySelectorAll("button[type=submit], input[type=submit]");
  }

  // Registered before the busy handler below, so that a cancelled confirmation never marks a form as sending.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.busy || event.defaultPrevented) {
      return;
    }
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    // Disabled after this event: the clicked button's name and value still go with the form.
    window.setTimeout(function () {
      buttons(form).forEach(function (button) { button.disabled = true; });
    }, 0);
    var note = form.querySelector("[data-busy-text]");
    if (note) {
      note.textContent = form.dataset.busy;
      note.hidden = false;
    }
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      delete form.dataset.sending;
      buttons(form).forEach(function (button) { button.disabled = false; });
      var note = form.querySelector("[data-busy-text]");
      if (note) { note.hidden = true; }
    });
  });
})();
