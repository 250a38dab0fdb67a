// Kanban board: SortableJS drag between stage columns. Each drop posts to the move
// endpoint, which calls the transition service. The column the card came from is sent
// as expected_stage, so the server returns 409 instead of overwriting a move someone
// else made meanwhile. On any error the card goes back to where it was.
(function () {
  "use strict";

  var board = document.getElementById("kanban");
  if (!board || typeof Sortable === "undefined") return;

  var texts = JSON.parse(document.getElementById("kanban-texts").textContent);
  var reasonDialog = document.getElementById("kanban-reason-dialog");
  var errorDialog = document.getElementById("kanban-error-dialog");
  var moveUrlTemplate = board.dataset.moveUrlTemplate;

  function csrfToken() {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    return headers["X-CSRFToken"] || "";
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] || ""; });
  }

  // Same rule as pipeline.services.is_regression.
  function isRegression(from, to) {
    if (from.dataset.kind !== "open") return to.dataset.kind === "open";
    if (to.dataset.kind !== "open") return false;
    return Number(to.dataset.position) < Number(from.dataset.position);
  }

  function showError(message) {
    errorDialog.querySelector("[data-error-message]").textContent = message;
    errorDialog.showModal();
  }

  function putBack(evt) {
    var item = evt.item;
    var reference = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(item, reference);
    updateCounts(evt.to, evt.from);
  }

  function updateCounts(from, to) {
    [[from, -1], [to, 1]].forEach(function (pair) {
      var badge = pair[0].closest(".kanban-column").querySelector("[data-count]");
      badge.textContent = String(Number(badge.textContent) + pair[1]);
    });
  }

  function askReason(card, from, to) {
    return new Promise(function (resolve) {
      var textarea = reasonDialog.querySelector("textarea");
      textarea.value = "";
      reasonDialog.querySelector("[data-reason-prompt]").textContent = fill(texts.reasonPrompt, {
        name: card.querySelector("a").textContent.trim(),
        from: from.dataset.stageName,
        to: to.dataset.stageName,
      });
      reasonDialog.addEventListener("close", function onClose() {
        reasonDialog.removeEventListener("close", onClose);
        var reason = textarea.value.trim();
        resolve(reasonDialog.returnValue === "confirm" && reason ? reason : null);
      });
      reasonDialog.showModal();
    });
  }

  function postMove(card, from, to, reason) {
    var body = new URLSearchParams();
    body.set("to_stage", to.dataset.stageId);
    body.set("expected_stage", from.dataset.stageId);
    body.set("reason", reason || "");
    var url = moveUrlTemplate.replace("/0/", "/" + card.dataset.opportunityId + "/");
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function onDrop(evt) {
    var from = evt.from, to = evt.to, card = evt.item;
    if (from === to) return;
    updateCounts(from, to);

    // TODO: a drop on a lost stage saves the deal without a loss reason. It should ask
    // for one, as the opportunity form does.
    var reasonStep = isRegression(from, to) ? askReason(card, from, to) : Promise.resolve("");
    reasonStep.then(function (reason) {
      if (reason === null) { putBack(evt); return; }
      card.classList.add("is-saving");
      return postMove(card, from, to, reason).then(function (result) {
        card.classList.remove("is-saving");
        if (!result.ok) { putBack(evt); showError(result.data.message); return; }
        card.classList.toggle("closed", result.data.status !== "open");
        card.dataset.moved = "true";
      });
    }).catch(function () {
      card.classList.remove("is-saving");
      putBack(evt);
      showError(texts.networkError);
    });
  }

  board.querySelectorAll(".kanban-cards").forEach(function (list) {
    Sortable.create(list, {
      group: "kanban",
      sort: false,
      animation: 120,
      // Mouse and touch share the same fallback path, which also lets a phone scroll the
      // board sideways: a touch must rest briefly before it starts a drag.
      forceFallback: true,
      delay: 150,
      delayOnTouchOnly: true,
      onEnd: onDrop,
    });
  });
})();
