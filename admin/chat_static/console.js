// The operator's chat page: new lines from the reporter appear without reloading.
(function () {
  var list = document.getElementById("chat-lines");
  if (!list) { return; }
  var after = parseInt(list.dataset.after, 10) || 0;
  function poll() {
    fetch(list.dataset.messages + "?after=" + after, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var presence = document.getElementById("reporter-presence");
        if (presence && data.reporter_text) { presence.textContent = data.reporter_text; }
        data.lines.forEach(function (line) {
          var item = document.createElement("li");
          item.className = line.author === "caller" ? "theirs" : "mine";
          item.textContent = line.text;
          list.appendChild(item);
          after = Math.max(after, line.id);
        });
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
