// charrnn tune report: draw each tune's sheet music with abcjs, say why where it cannot.
// When done, <body data-drawn="N" data-ready="true"> tells a test (or a script) how many were drawn.
(function () {
  "use strict";
  var tunes = JSON.parse(document.getElementById("tunes-abc").textContent);
  var drawn = 0;

  function say(element, text) {
    element.textContent = text;
    element.hidden = false;
  }

  function plain(markup) {  // abcjs writes its warnings as HTML
    return String(markup).replace(/<[^>]*>/g, "");
  }

  function draw(score) {
    var problem = score.nextElementSibling;
    try {
      var visual = ABCJS.renderAbc(score, tunes[Number(score.dataset.tune)],
                                   { responsive: "resize", add_classes: true });
      if (!score.querySelector(".abcjs-note")) {
        throw new Error("abcjs found no notes to draw");
      }
      var warnings = (visual[0] && visual[0].warnings) || [];
      if (warnings.length) {
        say(problem, "abcjs: " + plain(warnings[0]) +
            (warnings.length > 1 ? " (and " + (warnings.length - 1) + " more)" : ""));
      }
      drawn += 1;
    } catch (error) {
      score.textContent = "";
      say(problem, "The sheet music cannot be drawn: " + error.message);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".score"), draw);
  document.body.dataset.drawn = String(drawn);
  document.body.dataset.ready = "true";
})();
