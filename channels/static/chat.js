// The web chat: send without reloading, poll for new lines, offer the current question's choices as
// buttons. Without it the page still works (plain forms). No inline script: the CSP forbids it.
(function () {
  var list = document.getElementById("chat-lines");
  var form = document.getElementById("chat-form");
  if (!list || !form) { return; }
  var after = parseInt(list.dataset.after, 10) || 0;
  var state = document.getElementById("chat-state");
  var choices = document.getElementById("chat-choices");
  var token = form.querySelector("input[name=csrf_token]");

  // Who wrote a line, in words (the page's own labels) as well as by its look.
  function line_item(line) {
    var kind = line.author === "caller" || line.author === "flow" ? line.author : "staff";
    var item = document.createElement("li");
    item.className = line.kind || (line.author === "caller" ? "mine" : "bot");
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = list.dataset["who" + item.className.charAt(0).toUpperCase() + item.className.slice(1)] || "";
    var text = document.createElement("span");
    if (line.language) { text.lang = line.language; }
    text.textContent = line.text;
    item.appendChild(who);
    item.appendChild(text);
    return item;
  }

  function add(line) {
    list.appendChild(line_item(line));
    after = Math.max(after, line.id);
  }

  function offer(labels) {
    if (!choices) { return; }
    var current = Array.prototype.map.call(choices.querySelectorAll("button"), function (b) { return b.value; });
    if (current.join("\n") === labels.join("\n")) { return; }
    Array.prototype.forEach.call(choices.querySelectorAll("button"), function (b) { b.remove(); });
    labels.forEach(function (label) {
      var button = document.createElement("button");
      button.type = "submit";
      button.name = "text";
      button.value = label;
      button.textContent = label;
      choices.appendChild(button);
    });
    choices.hidden = labels.length === 0;
  }

  function poll() {
    fetch(list.dataset.messages + "?after=" + after, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        data.lines.forEach(add);
        offer(data.choices || []);
        // "Someone will join soon" is no longer true once someone has, or the chat has ended.
        if (data.state !== "waiting") { state.textContent = ""; }
        state.dataset.state = data.state;
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, parseInt(list.dataset.poll, 10) || 2000); });
  }

  // Words that were not taken (too many at once, the network gone) come back into the box, with why.
  var unsent = document.getElementById("chat-unsent");
  // The page reloading itself (to show the passphrase) is not the reporter leaving.
  var reloading = false;
  function send(body, words) {
    var box = form.querySelector("textarea");
    function giveBack(message) {
      if (words && !box.value) { box.value = words; }
      if (unsent) { unsent.textContent = message || unsent.dataset.message; unsent.hidden = false; }
    }
    return fetch(form.action, {method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { giveBack(data.message); return; }
          if (unsent) { unsent.hidden = true; }
          if (data.reload) { reloading = true; window.location.reload(); }
        });
      })
      .catch(function () { giveBack(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(form);
    var box = form.querySelector("textarea");
    var words = box.value;
    box.value = "";
    send(body, words);
  });
  if (choices) {
    choices.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData();
      if (token) { body.append("csrf_token", token.value); }
      body.append("text", event.submitter ? event.submitter.value : "");
      // The buttons answered this question; the next one brings its own (or none).
      offer([]);
      send(body, "");
    });
  }
  // Quick exit: this browser forgets the chat now (the cookie is dropped), not only when it closes.
  function forget() {
    if (!navigator.sendBeacon || !list.dataset.forget) { return; }
    var body = new FormData();
    if (token) { body.append("csrf_token", token.value); }
    navigator.sendBeacon(list.dataset.forget, body);
  }
  var exit = document.getElementById("quick-exit");
  if (exit) { exit.addEventListener("click", forget); }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { forget(); }
  });
  // Closing the tab tells the operator at once (they would otherwise wait for the missed polls).
  window.addEventListener("pagehide", function () {
    if (reloading || !navigator.sendBeacon || !list.dataset.leave) { return; }
    var body = new FormData();
    if (token) { body.append("csrf_token", token.value); }
    navigator.sendBeacon(list.dataset.leave, body);
  });
  poll();
})();
