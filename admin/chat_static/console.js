// The operator's chat page: new lines from the reporter appear without reloading.
(function () {
  var list = document.getElementById("chat-lines");
  if (!list) { return; }
  var after = parseInt(list.dataset.after, 10) || 0;
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

  function poll() {
    fetch(list.dataset.messages + "?after=" + after, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var presence = document.getElementById("reporter-presence");
        if (presence && data.reporter_text) { presence.textContent = data.reporter_text; }
        data.lines.forEach(function (line) {
          list.appendChild(line_item(line));
          after = Math.max(after, line.id);
        });
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
