// The operator console's queue: new contacts appear without a reload. Without JavaScript the page
// still works; reloading it shows the same rows.
(function () {
  "use strict";
  var table = document.getElementById("queue");
  if (!table || !window.fetch) { return; }
  var news = document.getElementById("queue-news");
  var newest = parseInt(table.dataset.newest, 10) || 0;
  var label = table.dataset.newLabel || "new";
  var seen = 0;
  // Each cell carries its column's heading, as the server's rows do, for the phone-width cards.
  var headings = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent; });

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    td.dataset.label = headings[row.cells.length] || "";
    row.appendChild(td);
    return td;
  }

  function add(ticket) {
    var row = document.createElement("tr");
    row.className = "new-contact";
    var first = cell(row, "");
    var link = document.createElement("a");
    link.href = ticket.url;
    link.textContent = ticket.reference;
    first.appendChild(link);
    first.appendChild(document.createTextNode(" (" + label + ")"));
    var risk = document.createElement("span");
    risk.className = "risk-" + ticket.risk;
    risk.textContent = ticket.risk;
    var riskCell = cell(row, "");
    riskCell.appendChild(risk);
    if (ticket.check_triage) {
      var check = document.createElement("span");
      check.className = "check-triage";
      check.textContent = table.dataset.checkLabel || "check triage";
      riskCell.appendChild(document.createTextNode(" "));
      riskCell.appendChild(check);
    }
    cell(row, "");
    cell(row, ticket.received);
    cell(row, ticket.channel);
    cell(row, ticket.country);
    cell(row, ticket.language);
    cell(row, ticket.status);
    cell(row, "");
    table.tBodies[0].insertBefore(row, table.tBodies[0].firstChild);
  }

  function poll() {
    var query = window.location.search ? window.location.search + "&" : "?";
    fetch(table.dataset.poll + query + "after=" + newest, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        body.tickets.forEach(add);
        newest = body.newest;
        if (body.tickets.length) {
          seen += body.tickets.length;
          news.hidden = false;
          news.textContent = "+" + seen + " " + label;
        }
      })
      .catch(function () { /* the next poll tries again */ });
  }

  window.setInterval(poll, parseInt(table.dataset.interval, 10) || 5000);
})();
