// Paper entry screen: Enter moves to the next box (the last one saves the form), and a
// key that is not one of the box's codes is refused. The page works without it (Tab
// moves, Enter saves, the server checks every code).
(function () {
  "use strict";
  var form = document.getElementById("entry");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(
    form.querySelectorAll("#serial, #blank, input.code, input.comment"));

  function move(from, step) {
    var i = boxes.indexOf(from) + step;
    if (i >= boxes.length) { form.requestSubmit ? form.requestSubmit() : form.submit(); return; }
    if (i < 0) { i = 0; }
    boxes[i].focus();
    if (boxes[i].select) { boxes[i].select(); }
  }

  form.addEventListener("keydown", function (event) {
    var box = event.target;
    if (boxes.indexOf(box) < 0) { return; }
    if (event.key === "Enter") {
      event.preventDefault();
      move(box, event.shiftKey ? -1 : 1);
      return;
    }
    var codes = box.getAttribute("data-codes");
    if (codes && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      if (codes.indexOf(event.key) < 0) {
        event.preventDefault();
        box.setAttribute("aria-invalid", "true");
      } else {
        box.removeAttribute("aria-invalid");
      }
    }
  });
  // a box entered by Tab is selected, so that the next digit replaces the last
  form.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("code")) {
      event.target.select();
    }
  });
}());
