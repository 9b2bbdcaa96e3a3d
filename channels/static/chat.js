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

  function add(line) {
    var item = document.createElement("li");
    item.className = line.kind || (line.author === "caller" ? "mine" : "bot");
    if (line.language) { item.lang = line.language; }
    if (item.className === "operator" && choices) {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = choices.dataset.who;
      item.appendChild(who);
    }
    item.appendChild(document.createTextNode(line.text));
    list.appendChild(item);
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

  function send(body) {
    return fetch(form.action, {method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.reload) { window.location.reload(); }
      })
      .catch(function () {});
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(form);
    form.querySelector("textarea").value = "";
    send(body);
  });
  if (choices) {
    choices.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData();
      if (token) { body.append("csrf_token", token.value); }
      body.append("text", event.submitter ? event.submitter.value : "");
      // The buttons answered this question; the next one brings its own (or none).
      offer([]);
      send(body);
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
    if (!navigator.sendBeacon || !list.dataset.leave) { return; }
    var body = new FormData();
    if (token) { body.append("csrf_token", token.value); }
    navigator.sendBeacon(list.dataset.leave, body);
  });
  poll();
})();
