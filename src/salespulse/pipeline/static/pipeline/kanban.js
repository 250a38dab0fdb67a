// Kanban board: SortableJS drag between stage columns. Each drop posts to the move
// endpoint, which calls the transition service. The column the card came from is sent
// as expected_stage, so the server returns 409 instead of overwriting a move someone
// else made meanwhile. On any error the card goes back to where it was. When a stage
// gate blocks a move, the dialog lists the unmet items with links to fix each one.
(function () {
  "use strict";

  var board = document.getElementById("kanban");
  if (!board || typeof Sortable === "undefined") return;

  var texts = JSON.parse(document.getElementById("kanban-texts").textContent);
  var reasonDialog = document.getElementById("kanban-reason-dialog");
  var errorDialog = document.getElementById("kanban-error-dialog");
  var lossDialog = document.getElementById("kanban-loss-dialog");
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
    showBlocked({ message: message }, null);
  }

  // Return the link to the opportunity page section that fixes one unmet item, or null.
  function fixLink(item, detailUrl) {
    if (item.code === "field_missing" || item.code === "field_out_of_range") {
      return { href: detailUrl + "#id_" + item.target, text: texts.fixField };
    }
    if (item.code === "attachment_missing") {
      return {
        href: detailUrl + "?document_type=" + encodeURIComponent(item.target) + "#evidence-upload",
        text: texts.uploadHere,
      };
    }
    if (item.code === "objections_missing") {
      return { href: detailUrl + "#objection-add", text: texts.objectionsHere };
    }
    return null;
  }

  function unmetEntry(item, detailUrl, retry) {
    var li = document.createElement("li");
    li.dataset.code = item.code;
    if (item.code === "checklist_unconfirmed" && retry) {
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = "confirmations";
      box.value = item.target;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + item.message));
      li.appendChild(label);
      retry.needed = true;
    } else {
      li.appendChild(document.createTextNode(item.message + " "));
      var link = detailUrl ? fixLink(item, detailUrl) : null;
      if (link) {
        var anchor = document.createElement("a");
        anchor.href = link.href;
        anchor.textContent = link.text;
        li.appendChild(anchor);
      }
    }
    if (retry && (item.target === "won_amount" || item.target === "signed_date") && retry.toKind === "won") {
      errorDialog.querySelector("[data-retry-field='" + item.target + "']").hidden = false;
      retry.needed = true;
    }
    if (item.options && item.options.length) {
      var nested = document.createElement("ul");
      item.options.forEach(function (option) { nested.appendChild(unmetEntry(option, detailUrl, retry)); });
      li.appendChild(nested);
    }
    return li;
  }

  // Show a rejected move. ``pending`` (card, from, to, reason, lossReason) lets the rep
  // retry from the dialog with the missing won amount, signing date or confirmations.
  function showBlocked(data, pending) {
    errorDialog.querySelector("[data-error-message]").textContent = data.message;
    var list = errorDialog.querySelector("[data-unmet-list]");
    list.replaceChildren();
    errorDialog.querySelectorAll("[data-retry-field]").forEach(function (row) {
      row.hidden = true;
      row.querySelector("input").value = "";
    });
    var retry = pending ? { needed: false, toKind: pending.to.dataset.kind } : null;
    var detailUrl = pending ? pending.card.querySelector("a").getAttribute("href") : null;
    (data.unmet || []).forEach(function (item) { list.appendChild(unmetEntry(item, detailUrl, retry)); });
    var fieldsShown = errorDialog.querySelector("[data-retry-field]:not([hidden])") !== null;
    errorDialog.querySelector("[data-retry-fields]").hidden = !fieldsShown;
    errorDialog.querySelector("[data-retry]").hidden = !(retry && retry.needed);
    errorDialog.pendingMove = retry && retry.needed ? pending : null;
    errorDialog.showModal();
  }

  errorDialog.addEventListener("close", function () {
    var pending = errorDialog.pendingMove;
    errorDialog.pendingMove = null;
    if (errorDialog.returnValue !== "retry" || !pending) return;
    var extra = new URLSearchParams();
    errorDialog.querySelectorAll("[data-retry-field]:not([hidden]) input").forEach(function (input) {
      if (input.value) extra.set("fields[" + input.name + "]", input.value);
    });
    errorDialog.querySelectorAll("input[name=confirmations]:checked").forEach(function (box) {
      extra.append("confirmations", box.value);
    });
    pending.extra = extra;
    // The card went back to its column; take it to the target again while the retry runs.
    pending.to.appendChild(pending.card);
    updateCounts(pending.from, pending.to);
    submitMove(pending, function () {
      pending.from.appendChild(pending.card);
      updateCounts(pending.to, pending.from);
    });
  });

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

  function askInDialog(dialog, promptSelector, prompt, input) {
    return new Promise(function (resolve) {
      input.value = "";
      dialog.querySelector(promptSelector).textContent = prompt;
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        var value = input.value.trim();
        resolve(dialog.returnValue === "confirm" && value ? value : null);
      });
      dialog.showModal();
    });
  }

  function askReason(card, from, to) {
    return askInDialog(reasonDialog, "[data-reason-prompt]", fill(texts.reasonPrompt, {
      name: card.querySelector("a").textContent.trim(),
      from: from.dataset.stageName,
      to: to.dataset.stageName,
    }), reasonDialog.querySelector("textarea"));
  }

  function askLossReason(card) {
    return askInDialog(lossDialog, "[data-loss-prompt]", fill(texts.lossPrompt, {
      name: card.querySelector("a").textContent.trim(),
    }), lossDialog.querySelector("select"));
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function postMove(pending) {
    var body = new URLSearchParams(pending.extra || "");
    body.set("to_stage", pending.to.dataset.stageId);
    body.set("expected_stage", pending.from.dataset.stageId);
    body.set("reason", pending.reason || "");
    body.set("loss_reason", pending.lossReason || "");
    return post(moveUrlTemplate.replace("/0/", "/" + pending.card.dataset.opportunityId + "/"), body);
  }

  // Post the move; on any error ``springBack`` returns the card to its column first.
  function submitMove(pending, springBack) {
    var card = pending.card;
    card.classList.add("is-saving");
    return postMove(pending).then(function (result) {
      card.classList.remove("is-saving");
      if (!result.ok) { springBack(); showBlocked(result.data, pending); return; }
      card.classList.toggle("closed", result.data.status !== "open");
      card.dataset.moved = "true";
    }).catch(function () {
      card.classList.remove("is-saving");
      springBack();
      showError(texts.networkError);
    });
  }

  function onDrop(evt) {
    var from = evt.from, to = evt.to, card = evt.item;
    if (from === to) return;
    updateCounts(from, to);

    var pending = { card: card, from: from, to: to, reason: "", lossReason: "" };
    var reasonStep = isRegression(from, to) ? askReason(card, from, to) : Promise.resolve("");
    reasonStep.then(function (reason) {
      if (reason === null) return null;
      pending.reason = reason;
      return to.dataset.kind === "lost" ? askLossReason(card) : "";
    }).then(function (lossReason) {
      if (lossReason === null) { putBack(evt); return; }
      pending.lossReason = lossReason;
      return submitMove(pending, function () { putBack(evt); });
    });
  }

  // Bulk change: the checked cards go to one stage, each through the transition service.
  var bulkForm = document.getElementById("kanban-bulk");
  var bulkDialog = document.getElementById("kanban-bulk-dialog");

  function selectedIds() {
    return Array.prototype.map.call(board.querySelectorAll(".kanban-select:checked"), function (box) {
      return box.value;
    });
  }

  function cardName(id) {
    var card = board.querySelector("[data-opportunity-id='" + id + "'] a");
    return card ? card.textContent.trim() : "#" + id;
  }

  function showSelectedCount() {
    if (!bulkForm) return;
    bulkForm.querySelector("[data-selected-count]").textContent = fill(texts.selectedCount, {
      count: String(selectedIds().length),
    });
  }

  showSelectedCount();
  board.addEventListener("change", function (evt) {
    if (evt.target.classList.contains("kanban-select")) showSelectedCount();
  });

  function showBulkResults(results) {
    var list = bulkDialog.querySelector("[data-bulk-results]");
    list.replaceChildren();
    var moved = 0;
    results.forEach(function (result) {
      if (result.status === "moved") moved += 1;
      var li = document.createElement("li");
      li.dataset.status = result.status;
      li.dataset.opportunityId = String(result.id);
      var head = document.createElement("strong");
      head.textContent = cardName(result.id) + "：" + result.label;
      li.appendChild(head);
      if (result.message) li.appendChild(document.createTextNode(" " + result.message));
      if (result.unmet.length) {
        var detail = board.querySelector("[data-opportunity-id='" + result.id + "'] a");
        var nested = document.createElement("ul");
        result.unmet.forEach(function (item) {
          nested.appendChild(unmetEntry(item, detail ? detail.getAttribute("href") : null, null));
        });
        li.appendChild(nested);
      }
      list.appendChild(li);
    });
    bulkDialog.querySelector("[data-bulk-summary]").textContent = fill(texts.bulkSummary, {
      moved: String(moved), total: String(results.length),
    });
    bulkDialog.addEventListener("close", function () { window.location.reload(); }, { once: true });
    bulkDialog.showModal();
  }

  if (bulkForm) {
    bulkForm.addEventListener("submit", function (evt) {
      evt.preventDefault();
      var ids = selectedIds();
      if (!ids.length) { showError(texts.bulkNothingSelected); return; }
      var body = new URLSearchParams(new FormData(bulkForm));
      ids.forEach(function (id) { body.append("ids", id); });
      post(bulkForm.action, body).then(function (result) {
        if (!result.ok) { showError(result.data.message); return; }
        showBulkResults(result.data.results);
      }).catch(function () { showError(texts.networkError); });
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
      // Ticking a card's checkbox selects it for a bulk change instead of starting a drag.
      filter: ".kanban-select",
      preventOnFilter: false,
      onEnd: onDrop,
    });
  });
})();
