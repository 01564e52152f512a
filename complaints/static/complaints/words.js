/* Words that help: a canned-text picker and a live tone hint on the reply boxes.
 *
 * The rules live on the server (complaints/tone_rules/*.toml, run by complaints/tone/); this
 * script only asks the admin's JSON endpoint for the hints of the current draft (in whatever
 * language it is written) and shows them. No rule is repeated here.
 *
 * Canned texts arrive with their placeholders already filled on the server (customer name,
 * reference, promise, agent); what is left to write is a gap ("…", data-gap). After inserting a
 * text the first gap in it is selected, so the agent types straight over it.
 */
(function () {
  "use strict";

  var config = document.getElementById("redress-words");
  var data = document.getElementById("redress-canned");
  if (!config || !data) {
    return;
  }
  var canned = JSON.parse(data.textContent);
  var ds = config.dataset;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function insertText(textarea, text) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    if (typeof start !== "number" || document.activeElement !== textarea) {
      start = end = textarea.value.length;
    }
    var before = textarea.value.slice(0, start);
    var glue = before && !/\s$/.test(before) ? " " : "";
    textarea.value = before + glue + text + textarea.value.slice(end);
    var from = (before + glue).length;
    var caret = from + text.length;
    var gapEnd = caret;
    var gap = ds.gap ? text.indexOf(ds.gap) : -1;
    if (gap >= 0) {
      // A run of gap marks ("……" in Chinese) is one gap: select all of it.
      var run = gap;
      while (text.substr(run, ds.gap.length) === ds.gap) {
        run += ds.gap.length;
      }
      caret = from + gap;
      gapEnd = from + run;
    }
    textarea.focus();
    textarea.setSelectionRange(caret, gapEnd);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function buildPicker(textarea) {
    var select = document.createElement("select");
    select.className = "redress-canned-picker";
    select.setAttribute("aria-label", ds.pickLabel);
    var placeholder = document.createElement("option");
    placeholder.value = "";
    placeholder.textContent = ds.pickLabel;
    select.appendChild(placeholder);

    var kinds = [];
    canned.forEach(function (t) {
      if (kinds.indexOf(t.kind) < 0) {
        kinds.push(t.kind);
      }
    });
    kinds.sort(function (a, b) {
      return (b === ds.prefer) - (a === ds.prefer);
    });
    kinds.forEach(function (kind) {
      var group = document.createElement("optgroup");
      canned.forEach(function (t, index) {
        if (t.kind !== kind) {
          return;
        }
        group.label = t.kind_label;
        var option = document.createElement("option");
        option.value = String(index);
        // Texts in the user's language come first; the others say which language they are in.
        option.textContent =
          t.language && ds.language && t.language !== ds.language
            ? t.title + " · " + t.language_label
            : t.title;
        option.dataset.kind = t.kind;
        group.appendChild(option);
      });
      select.appendChild(group);
    });
    select.addEventListener("change", function () {
      if (select.value !== "") {
        insertText(textarea, canned[Number(select.value)].body);
        select.value = "";
      }
    });
    return select;
  }

  function attachHints(textarea) {
    var box = document.createElement("div");
    box.className = "redress-tone-hints";
    box.setAttribute("aria-live", "polite");
    box.hidden = true;
    var timer = null;
    var sent = 0;

    function render(hints) {
      box.textContent = "";
      box.hidden = hints.length === 0;
      if (!hints.length) {
        return;
      }
      var title = document.createElement("strong");
      title.textContent = ds.hintTitle;
      box.appendChild(title);
      var list = document.createElement("ul");
      hints.forEach(function (h) {
        var item = document.createElement("li");
        item.className = "redress-tone-" + h.kind;
        item.dataset.kind = h.kind;
        var phrase = document.createElement("mark");
        phrase.textContent = h.phrase;
        item.appendChild(phrase);
        item.appendChild(document.createTextNode(" — " + h.message + " "));
        var suggestion = document.createElement("em");
        suggestion.textContent = ds.tryLabel + " " + h.suggestion;
        item.appendChild(suggestion);
        list.appendChild(item);
      });
      box.appendChild(list);
    }

    function check() {
      var ticket = ++sent;
      var body = new URLSearchParams();
      body.set("text", textarea.value);
      if (ds.language) {
        body.set("language", ds.language); /* a hint only: the server detects the language */
      }
      fetch(ds.toneUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
        body: body,
      })
        .then(function (response) {
          return response.ok ? response.json() : { hints: [] };
        })
        .then(function (result) {
          if (ticket === sent) {
            render(result.hints);
          }
        })
        .catch(function () {
          /* A hint is a help, never a gate: if it fails, the reply can still be sent. */
        });
    }

    textarea.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
    if (textarea.value) {
      check();
    }
    return box;
  }

  var boxes = document.querySelectorAll(
    "#transition-form textarea[name=message], #message-form textarea[name=body]"
  );
  Array.prototype.forEach.call(boxes, function (textarea) {
    if (canned.length) {
      textarea.parentNode.insertBefore(buildPicker(textarea), textarea);
    }
    textarea.parentNode.insertBefore(attachHints(textarea), textarea.nextSibling);
  });
})();
