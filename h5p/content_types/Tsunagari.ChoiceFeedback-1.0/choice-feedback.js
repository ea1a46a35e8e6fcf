/* Tsunagari.ChoiceFeedback: one question, several choices, feedback for the choice made.
 * Our own content type (plain JavaScript, no dependencies beyond H5P core). Text fields arrive
 * sanitised and HTML-escaped by the server, so they are inserted as HTML. */
var Tsunagari = window.Tsunagari = window.Tsunagari || {};
Tsunagari.ChoiceFeedback = (function (EventDispatcher) {
  "use strict";

  function ChoiceFeedback(params, contentId, extras) {
    EventDispatcher.call(this);
    this.params = params || {};
    this.contentId = contentId;
    var previous = (extras && extras.previousState) || {};
    this.selected = typeof previous.selected === "number" ? previous.selected : null;
    this.answered = previous.answered === true;
  }
  ChoiceFeedback.prototype = Object.create(EventDispatcher.prototype);
  ChoiceFeedback.prototype.constructor = ChoiceFeedback;

  ChoiceFeedback.prototype.attach = function ($container) {
    var self = this;
    var choices = this.params.choices || [];
    var root = document.createElement("div");
    root.className = "tsunagari-choice";
    var name = "tsunagari-choice-" + this.contentId;

    var fieldset = document.createElement("fieldset");
    var legend = document.createElement("legend");
    legend.innerHTML = this.params.question || "";
    fieldset.appendChild(legend);
    var inputs = choices.map(function (choice, index) {
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "radio";
      input.name = name;
      input.value = String(index);
      input.checked = self.selected === index;
      var span = document.createElement("span");
      span.innerHTML = " " + (choice.text || "");
      label.appendChild(input);
      label.appendChild(span);
      fieldset.appendChild(label);
      input.addEventListener("change", function () { self.selected = index; button.disabled = false; });
      return input;
    });
    root.appendChild(fieldset);

    var button = document.createElement("button");
    button.type = "button";
    button.innerHTML = this.params.answerLabel || "答える";
    button.disabled = this.selected === null;
    root.appendChild(button);

    var feedback = document.createElement("div");
    feedback.className = "tsunagari-choice__feedback";
    feedback.setAttribute("role", "status");
    feedback.setAttribute("aria-live", "polite");
    feedback.hidden = true;
    root.appendChild(feedback);

    function showFeedback() {
      var choice = choices[self.selected];
      if (!choice) { return; }
      feedback.innerHTML = choice.feedback || "";
      feedback.className = "tsunagari-choice__feedback" + (choice.correct ? " tsunagari-choice__feedback--good" : "");
      feedback.hidden = false;
      self.trigger("resize");
    }

    button.addEventListener("click", function () {
      if (self.selected === null) { return; }
      self.answered = true;
      showFeedback();
      var choice = choices[self.selected] || {};
      var score = choice.correct ? 1 : 0;
      self.triggerXAPIScored(score, 1, "answered", true, score === 1);
    });

    if (this.answered) { showFeedback(); }
    $container.get(0).appendChild(root);
  };

  ChoiceFeedback.prototype.getCurrentState = function () {
    return { selected: this.selected, answered: this.answered };
  };
  ChoiceFeedback.prototype.getScore = function () {
    var choice = (this.params.choices || [])[this.selected];
    return this.answered && choice && choice.correct ? 1 : 0;
  };
  ChoiceFeedback.prototype.getMaxScore = function () { return 1; };
  ChoiceFeedback.prototype.getAnswerGiven = function () { return this.answered; };

  return ChoiceFeedback;
})(H5P.EventDispatcher);
