// Funnel analyzer filter builder. It edits the filter tree from the json_script
// "analyzer-filter" with the fields and choices of "analyzer-options", and writes the
// tree as JSON into the form's q field (and the save form's copy) after every change.
// The server validates the filter; this module only builds it.
(function () {
  "use strict";

  var MAX_DEPTH = 4;

  function start() {
    var root = document.getElementById("filter-builder");
    if (!root) { return; }
    var options = JSON.parse(document.getElementById("analyzer-options").textContent);
    var state = JSON.parse(document.getElementById("analyzer-filter").textContent);
    var output = document.getElementById(root.dataset.output);
    var copies = document.querySelectorAll("[data-filter-copy]");
    var labels = options.labels;
    var fields = {};
    options.fields.forEach(function (field) { fields[field.name] = field; });

    function element(tag, attributes, children) {
      var node = document.createElement(tag);
      Object.keys(attributes || {}).forEach(function (key) {
        if (key === "text") { node.textContent = attributes[key]; } else { node.setAttribute(key, attributes[key]); }
      });
      (children || []).forEach(function (child) { node.appendChild(child); });
      return node;
    }

    function select(role, items, current, multiple) {
      var node = element("select", { "data-role": role });
      if (multiple) {
        node.multiple = true;
        node.size = Math.min(Math.max(items.length, 2), 6);
      }
      items.forEach(function (item) {
        var option = element("option", { value: item.value, text: item.label });
        option.selected = multiple ? current.indexOf(item.value) >= 0 : item.value === current;
        node.appendChild(option);
      });
      return node;
    }

    function button(text, role, onClick) {
      var node = element("button", { type: "button", "class": "secondary", "data-role": role, text: text });
      node.addEventListener("click", onClick);
      return node;
    }

    function defaultValue(field, op) {
      if (field.kind === "choice") { return []; }
      if (field.kind === "days") { return 0; }
      if (field.kind === "money") { return "0"; }
      if (field.kind === "date") {
        var today = new Date().toISOString().slice(0, 10);
        return op === "between" ? [today, today] : today;
      }
      if (field.kind === "tag") { return field.choices.length ? field.choices[0].value : ""; }
      return field.choices[0].value;
    }

    function newCondition(name) {
      var field = fields[name] || options.fields[0];
      var op = field.ops[0].value;
      return { field: field.name, op: op, value: defaultValue(field, op) };
    }

    function sync() {
      var text = state.conditions.length ? JSON.stringify(state) : "";
      output.value = text;
      copies.forEach(function (copy) { copy.value = text; });
    }

    function changed() { render(); }

    function valueInputs(condition) {
      var field = fields[condition.field];
      var nodes = [];
      if (field.kind === "choice") {
        var multi = select("value", field.choices, condition.value, true);
        multi.addEventListener("change", function () {
          condition.value = Array.prototype.filter.call(multi.options, function (option) { return option.selected; })
            .map(function (option) { return option.value; });
          sync();
        });
        nodes.push(multi);
      } else if (field.kind === "days" || field.kind === "money") {
        var number = element("input", {
          type: field.kind === "days" ? "number" : "text", "data-role": "value",
          inputmode: field.kind === "days" ? "numeric" : "decimal", min: "0", step: "1"
        });
        number.value = condition.value;
        number.addEventListener("input", function () {
          if (field.kind === "days") {
            var parsed = parseInt(number.value, 10);
            condition.value = isNaN(parsed) ? number.value : parsed;
          } else {
            condition.value = number.value.trim();
          }
          sync();
        });
        nodes.push(number, element("span", { "class": "muted", text: field.kind === "days" ? labels.days : labels.yuan }));
      } else if (field.kind === "date") {
        var days = condition.op === "between" ? condition.value : [condition.value];
        days.forEach(function (day, index) {
          var input = element("input", { type: "date", "data-role": "value" });
          input.value = day;
          input.addEventListener("input", function () {
            if (condition.op === "between") { condition.value[index] = input.value; } else { condition.value = input.value; }
            sync();
          });
          nodes.push(input);
        });
      } else if (field.kind === "tag") {
        var tag;
        if (field.choices.length) {
          tag = select("value", field.choices, condition.value, false);
          tag.addEventListener("change", function () { condition.value = tag.value; sync(); });
        } else {
          tag = element("input", { type: "text", "data-role": "value", placeholder: labels.tagCode });
          tag.value = condition.value;
          tag.addEventListener("input", function () { condition.value = tag.value.trim(); sync(); });
        }
        var competitor = select("competitor", field.competitor, condition.competitor || "any", false);
        competitor.addEventListener("change", function () {
          if (competitor.value === "any") { delete condition.competitor; } else { condition.competitor = competitor.value; }
          sync();
        });
        nodes.push(tag, competitor);
      } else {
        var kind = select("value", field.choices, condition.value, false);
        kind.addEventListener("change", function () { condition.value = kind.value; sync(); });
        nodes.push(kind);
      }
      return nodes;
    }

    function renderCondition(condition, group, index) {
      var field = fields[condition.field];
      var fieldSelect = select("field", options.fields.map(function (item) {
        return { value: item.name, label: item.label };
      }), condition.field, false);
      fieldSelect.addEventListener("change", function () {
        group.conditions[index] = newCondition(fieldSelect.value);
        changed();
      });
      var opSelect = select("op", field.ops, condition.op, false);
      opSelect.addEventListener("change", function () {
        var wasBetween = condition.op === "between";
        condition.op = opSelect.value;
        if (field.kind === "date" && wasBetween !== (condition.op === "between")) {
          condition.value = defaultValue(field, condition.op);
        }
        changed();
      });
      var row = element("div", { "class": "filter-condition", "data-condition": condition.field },
        [fieldSelect, opSelect].concat(valueInputs(condition)));
      row.appendChild(button(labels.remove, "remove", function () { group.conditions.splice(index, 1); changed(); }));
      return row;
    }

    function renderGroup(group, depth, parent, index) {
      var box = element("div", { "class": "filter-group", "data-depth": String(depth) });
      var opSelect = select("group-op", [{ value: "and", label: labels.and }, { value: "or", label: labels.or }], group.op, false);
      opSelect.addEventListener("change", function () { group.op = opSelect.value; sync(); });
      var head = element("div", { "class": "filter-group-head" }, [opSelect]);
      if (parent) {
        head.appendChild(button(labels.remove, "remove-group", function () { parent.conditions.splice(index, 1); changed(); }));
      }
      box.appendChild(head);
      var list = element("ul", { "class": "filter-nodes" });
      group.conditions.forEach(function (node, position) {
        var item = element("li");
        item.appendChild(node.conditions ? renderGroup(node, depth + 1, group, position) : renderCondition(node, group, position));
        list.appendChild(item);
      });
      if (!group.conditions.length && !parent) {
        list.appendChild(element("li", { "class": "muted", text: labels.empty }));
      }
      box.appendChild(list);
      var actions = element("div", { "class": "filter-group-actions" });
      actions.appendChild(button(labels.addCondition, "add-condition", function () {
        group.conditions.push(newCondition(options.fields[0].name));
        changed();
      }));
      if (depth < MAX_DEPTH) {
        actions.appendChild(button(labels.addGroup, "add-group", function () {
          group.conditions.push({ op: group.op === "and" ? "or" : "and", conditions: [newCondition(options.fields[0].name)] });
          changed();
        }));
      }
      box.appendChild(actions);
      return box;
    }

    function render() {
      root.replaceChildren(renderGroup(state, 1, null, 0));
      sync();
    }

    // After a rejected filter the server sends the empty filter, but the text the user
    // sent is in the editor. The builder shows it when its shape fits, so the bad value
    // can be corrected in place; the server validates it again.
    var sent = editable(output.value);
    if (sent) { state = sent; }
    root.replaceChildren(renderGroup(state, 1, null, 0));
    // The editor keeps the text the server sent until the builder is used.

    function editable(text) {
      var tree;
      try { tree = JSON.parse(text); } catch (error) { return null; }
      return fits(tree, 1) ? tree : null;
    }

    function fits(node, depth) {
      if (!node || typeof node !== "object" || Array.isArray(node)) { return false; }
      if (Array.isArray(node.conditions)) {
        return (node.op === "and" || node.op === "or") && depth <= MAX_DEPTH &&
          node.conditions.every(function (child) { return fits(child, depth + 1); });
      }
      var field = fields[node.field];
      if (!field || !field.ops.some(function (op) { return op.value === node.op; })) { return false; }
      if (field.kind === "choice") { return Array.isArray(node.value); }
      if (field.kind === "date" && node.op === "between") { return Array.isArray(node.value) && node.value.length === 2; }
      return node.value !== undefined && node.value !== null && typeof node.value !== "object";
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
