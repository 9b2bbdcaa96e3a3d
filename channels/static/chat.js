// The web chat: send without reloading and poll for new lines. Without it the page still works.
(function () {
  var list = document.getElementById("chat-lines");
  var form = document.getElementById("chat-form");
  if (!list || !form) { return; }
  var after = parseInt(list.dataset.after, 10) || 0;
  var state = document.getElementById("chat-state");

  // Who wrote a line, in words (the page's own labels) as well as by its look.
  function line_item(line) {
    var kind = line.author === "caller" || line.author === "flow" ? line.author : "staff";
    var item = document.createElement("li");
    item.className = "from-" + {caller: "reporter", flow: "bot", staff: "operator"}[kind];
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = list.dataset["who" + kind.charAt(0).toUpperCase() + kind.slice(1)] || "";
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

  function poll() {
    fetch(list.dataset.messages + "?after=" + after, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        data.lines.forEach(add);
        // "Someone will join soon" is no longer true once someone has, or the chat has ended.
        if (data.state !== "waiting") { state.textContent = ""; }
        state.dataset.state = data.state;
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, parseInt(list.dataset.poll, 10) || 2000); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = new FormData(form);
    var box = form.querySelector("textarea");
    var words = box.value;
    box.value = "";
    // Words that were not taken (too many at once, the network gone) come back into the box, with why.
    var unsent = document.getElementById("chat-unsent");
    function giveBack(message) {
      if (!box.value) { box.value = words; }
      if (unsent) { unsent.textContent = message || unsent.dataset.message; unsent.hidden = false; }
    }
    fetch(form.action, {method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { giveBack(data.message); return; }
          if (unsent) { unsent.hidden = true; }
          if (data.reload) { window.location.reload(); }
        });
      })
      .catch(function () { giveBack(); });
  });
  // Closing the tab tells the operator at once (they would otherwise wait for the missed polls).
  window.addEventListener("pagehide", function () {
    if (!navigator.sendBeacon || !list.dataset.leave) { return; }
    var token = form.querySelector("input[name=csrf_token]");
    var body = new FormData();
    if (token) { body.append("csrf_token", token.value); }
    navigator.sendBeacon(list.dataset.leave, body);
  });
  poll();
})();
