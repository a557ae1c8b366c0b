// Upload progress for forms marked data-upload-progress (the patient's video). The form works
// without it (a plain multipart POST); with it the file is sent by XMLHttpRequest so the page
// can show how much has been sent. A file over data-max-bytes is refused before sending.
(function () {
  "use strict";
  function showError(form, text) {
    var box = form.querySelector(".upload-status");
    var wrap = form.querySelector(".upload-progress");
    if (wrap) { wrap.hidden = false; }
    if (box) { box.textContent = text; box.className = "upload-status field-error"; }
  }
  function replaceMain(html) {
    var found = new DOMParser().parseFromString(html, "text/html").querySelector("main");
    var main = document.querySelector("main");
    if (!found || !main) { return false; }
    main.replaceWith(found);
    var summary = found.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    found.querySelectorAll("form[data-upload-progress]").forEach(setup);
    return true;
  }
  function send(form, button) {
    var wrap = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      var percent = Math.round((event.loaded / event.total) * 100);
      bar.value = percent;
      status.textContent = percent < 100 ? "Sent " + percent + " %" : "Sent. Saving your video…";
    });
    xhr.addEventListener("load", function () {
      if (xhr.status < 400 && xhr.responseURL) {
        window.location.assign(xhr.responseURL);
      } else if (!replaceMain(xhr.responseText)) {
        button.disabled = false;
        showError(form, "The video was not sent. Please try again.");
      }
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      showError(form, "The video was not sent: check your internet connection and try again.");
    });
    wrap.hidden = false;
    status.className = "upload-status";
    status.textContent = "Sent 0 %";
    button.disabled = true;
    xhr.send(new FormData(form));
  }
  function setup(form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      var button = form.querySelector("button[type=submit]");
      var limit = parseInt(input && input.getAttribute("data-max-bytes"), 10) || 0;
      var file = input && input.files && input.files[0];
      if (!window.FormData || !window.XMLHttpRequest || !button) { return; }
      event.preventDefault();
      if (file && limit && file.size > limit) {
        showError(form, "This video is too large to send. Film a shorter clip: 10 to 20 seconds is enough.");
        return;
      }
      send(form, button);
    });
  }
  document.querySelectorAll("form[data-upload-progress]").forEach(setup);
}());
