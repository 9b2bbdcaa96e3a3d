// The operator's softphone: Twilio's Voice SDK (vendored), a token from us, one button per action.
(function () {
  var root = document.getElementById("softphone");
  if (!root) { return; }
  var state = document.getElementById("phone-state");
  var answer = document.getElementById("answer-next");
  var mute = document.getElementById("mute");
  var hangUp = document.getElementById("hang-up");
  var waiting = document.getElementById("waiting");
  var presence = document.getElementById("presence");
  var device = null;
  var call = null;

  function say(key) { state.textContent = state.dataset[key]; state.dataset.state = key; }

  var live = document.getElementById("live-call");
  var liveSummary = document.getElementById("live-summary");
  var holdButton = document.getElementById("hold");
  var lineChoice = document.getElementById("bring-in-line");
  var bringIn = document.getElementById("bring-in");
  var liveResult = document.getElementById("live-result");
  var liveCall = null;

  function post(url, form) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": root.dataset.csrf},
      body: form || null
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { var failure = new Error(String(response.status)); failure.data = data; throw failure; }
        return data;
      });
    });
  }

  // The call in progress (from the beat): what it is, hold, and the lines that can be brought in.
  function showLive(data) {
    liveCall = data;
    live.hidden = !data;
    if (!data) { return; }
    liveSummary.textContent = [data.language, data.country, data.risk].filter(Boolean).join(" · ");
    holdButton.textContent = data.on_hold ? holdButton.dataset.resume : holdButton.dataset.hold;
    holdButton.disabled = !data.ready;
    bringIn.disabled = !data.ready || data.lines.length === 0;
    var chosen = lineChoice.value;
    lineChoice.textContent = "";
    data.lines.forEach(function (line) {
      var option = document.createElement("option");
      option.value = line.key;
      option.textContent = line.label;
      lineChoice.appendChild(option);
    });
    if (chosen) { lineChoice.value = chosen; }
  }

  // Call-backs the caller consented to: the softphone asks our TwiML App to ring the caller back.
  var callbacks = document.getElementById("callbacks");
  var callbackList = document.getElementById("callback-list");

  function showCallbacks(list) {
    callbacks.hidden = !list || list.length === 0;
    callbackList.textContent = "";
    (list || []).forEach(function (item) {
      var entry = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = callbackList.dataset.callBack;
      button.disabled = !device || !!call;
      button.addEventListener("click", function () { place({callback: String(item.id)}); });
      entry.textContent = [item.language, item.country, item.risk].filter(Boolean).join(" · ") + " ";
      entry.appendChild(button);
      callbackList.appendChild(entry);
    });
  }

  function act(path, form) {
    if (!liveCall) { return Promise.resolve(null); }
    return post(live.dataset.calls + liveCall.id + path, form).then(function (data) {
      liveResult.textContent = data.message;
      return data;
    }).catch(function (failure) {
      liveResult.textContent = failure.data ? failure.data.message : failure.message;
      return null;
    });
  }

  holdButton.addEventListener("click", function () {
    var form = new FormData();
    form.append("on", liveCall && liveCall.on_hold ? "0" : "1");
    act("/hold", form).then(function (data) {
      if (data && liveCall) { liveCall.on_hold = data.on_hold; showLive(liveCall); }
    });
  });
  bringIn.addEventListener("click", function () {
    var form = new FormData();
    form.append("line", lineChoice.value);
    act("/bring-in", form);
  });

  function beat() {
    post(root.dataset.beat).then(function (data) {
      presence.textContent = data.label;
      presence.dataset.status = data.status;
      waiting.dataset.count = String(data.waiting);
      waiting.textContent = data.waiting_text;
      answer.disabled = !device || !!call || data.waiting === 0;
      showLive(data.live);
      showCallbacks(data.callbacks);
    }).catch(function () {}).then(function () {
      window.setTimeout(beat, (parseInt(root.dataset.beatSeconds, 10) || 10) * 1000);
    });
  }

  function setUp() {
    if (root.dataset.configured !== "yes" || !window.Twilio || !window.Twilio.Device) {
      say("unavailable");
      return;
    }
    post(root.dataset.token).then(function (data) {
      device = new window.Twilio.Device(data.token, {closeProtection: true, codecPreferences: ["opus", "pcmu"]});
      device.on("tokenWillExpire", function () {
        post(root.dataset.token).then(function (fresh) { device.updateToken(fresh.token); });
      });
      device.on("error", function () { say("error"); });
      say("ready");
    }).catch(function () { say("error"); });
  }

  function place(params) {
    if (!device || call) { return; }
    say("connecting");
    answer.disabled = true;
    device.connect(params ? {params: params} : undefined).then(function (placed) {
      call = placed;
      mute.disabled = false;
      hangUp.disabled = false;
      placed.on("accept", function () { say("onCall"); });
      placed.on("disconnect", function () {
        call = null;
        mute.disabled = true;
        hangUp.disabled = true;
        say("ended");
      });
    }).catch(function () { say("error"); });
  }

  answer.addEventListener("click", function () { place(null); });
  mute.addEventListener("click", function () {
    if (call) { call.mute(!call.isMuted()); mute.setAttribute("aria-pressed", String(call.isMuted())); }
  });
  hangUp.addEventListener("click", function () { if (call) { call.disconnect(); } });

  setUp();
  beat();
})();
