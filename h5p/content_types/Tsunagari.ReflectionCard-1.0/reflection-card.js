/* Tsunagari.ReflectionCard: a prompt to think about, an optional private note, and a button to
 * finish. Our own content type (plain JavaScript). The note is kept only in the saved state for
 * resume; it is never put into an xAPI statement. */
var Tsunagari = window.Tsunagari = window.Tsunagari || {};
Tsunagari.ReflectionCard = (function (EventDispatcher) {
  "use strict";

  function ReflectionCard(params, contentId, extras) {
    EventDispatcher.call(this);
    this.params = params || {};
    this.contentId = contentId;
    var previous = (extras && extras.previousState) || {};
    this.note = typeof previous.note === "string" ? previous.note : "";
    this.done = previous.done === true;
  }
  ReflectionCard.prototype = Object.create(EventDispatcher.prototype);
  ReflectionCard.prototype.constructor = ReflectionCard;

  ReflectionCard.prototype.attach = function ($container) {
    var self = this;
    var root = document.createElement("div");
    root.className = "tsunagari-reflection";
    var prompt = document.createElement("div");
    prompt.className = "tsunagari-reflection__prompt";
    prompt.innerHTML = this.params.prompt || "";
    root.appendChild(prompt);
    if (this.params.hint) {
      var hint = document.createElement("div");
      hint.className = "tsunagari-reflection__hint";
      hint.innerHTML = this.params.hint;
      root.appendChild(hint);
    }
    var id = "tsunagari-note-" + this.contentId;
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.innerHTML = this.params.noteLabel || "メモ";
    var area = document.createElement("textarea");
    area.id = id;
    area.maxLength = 2000;
    area.value = this.note;
    area.addEventListener("input", function () { self.note = area.value; });
    root.appendChild(label);
    root.appendChild(area);
    var button = document.createElement("button");
    button.type = "button";
    button.innerHTML = this.params.doneLabel || "ふりかえりを終える";
    root.appendChild(button);
    var message = document.createElement("p");
    message.className = "tsunagari-reflection__done";
    message.setAttribute("role", "status");
    message.setAttribute("aria-live", "polite");
    message.innerHTML = this.params.doneMessage || "";
    message.hidden = !this.done;
    root.appendChild(message);
    button.addEventListener("click", function () {
      self.done = true;
      message.hidden = false;
      self.trigger("resize");
      var event = self.createXAPIEventTemplate("completed");
      event.data.statement.result = { completion: true, score: { raw: 1, max: 1, min: 0, scaled: 1 } };
      self.trigger(event);
    });
    $container.get(0).appendChild(root);
  };

  ReflectionCard.prototype.getCurrentState = function () {
    return { note: this.note, done: this.done };
  };
  ReflectionCard.prototype.getScore = function () { return this.done ? 1 : 0; };
  ReflectionCard.prototype.getMaxScore = function () { return 1; };

  return ReflectionCard;
})(H5P.EventDispatcher);
