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

  function post(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": root.dataset.csrf}
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    });
  }

  function beat() {
    post(root.dataset.beat).then(function (data) {
      presence.textContent = data.label;
      presence.dataset.status = data.status;
      waiting.dataset.count = String(data.waiting);
      waiting.textContent = data.waiting_text;
      answer.disabled = !device || !!call || data.waiting === 0;
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

  answer.addEventListener("click", function () {
    if (!device || call) { return; }
    say("connecting");
    answer.disabled = true;
    device.connect().then(function (placed) {
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
  });
  mute.addEventListener("click", function () {
    if (call) { call.mute(!call.isMuted()); mute.setAttribute("aria-pressed", String(call.isMuted())); }
  });
  hangUp.addEventListener("click", function () { if (call) { call.disconnect(); } });

  setUp();
  beat();
})();
