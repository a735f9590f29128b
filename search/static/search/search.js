/* Search: suggestions while typing (an ARIA combobox over GET /api/v1/search/suggest) and a sort
   menu that applies itself. Progressive enhancement: without this file the search box submits
   and the sort menu has its own button. */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="bazaar-suggest-url"]');
  var SUGGEST_URL = meta ? meta.getAttribute("content") : "/api/v1/search/suggest";
  var DELAY_MS = 120;
  var SUGGEST_MAX_LENGTH = 100; // the suggest API's limit: longer text gets no suggestions (not a 400)
  var counter = 0;

  function enhance(form) {
    var input = form.querySelector('input[name="q"]');
    if (!input || input.dataset.suggest === "on") return;
    input.dataset.suggest = "on";
    counter += 1;
    var listId = "search-suggestions-" + counter;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    form.classList.add("suggest-host");
    form.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");

    var timer = null;
    var active = -1;
    var latest = 0;
    var options = [];

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function choose(option) {
      window.location.assign(option.dataset.url);
    }

    function show(suggestions) {
      list.textContent = "";
      options = suggestions.map(function (suggestion, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.className = "suggest-option";
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.url = suggestion.url;
        option.dataset.testid = "suggestion";
        var text = document.createElement("span");
        text.textContent = suggestion.text;
        option.appendChild(text);
        if (suggestion.kind !== "product") {
          var kind = document.createElement("span");
          kind.className = "suggest-kind";
          kind.textContent = suggestion.kind === "brand" ? "Brand" : "Category";
          option.appendChild(kind);
        }
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box
          choose(option);
        });
        list.appendChild(option);
        return option;
      });
      active = -1;
      list.hidden = options.length === 0;
      input.setAttribute("aria-expanded", options.length ? "true" : "false");
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (!text || text.length > SUGGEST_MAX_LENGTH) {
        close();
        return;
      }
      var ticket = ++latest;
      fetch(SUGGEST_URL + "?q=" + encodeURIComponent(text), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (body) {
          if (ticket === latest && document.activeElement === input) show(body.suggestions || []);
        })
        .catch(function () {
          close();
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(options[active]);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll('form[role="search"]').forEach(enhance);

  // On a phone the filters start folded behind their toggle, so the results come first.
  if (window.matchMedia("(max-width: 899px)").matches) {
    document.querySelectorAll("details[data-filters]").forEach(function (details) {
      details.open = false;
    });
  }

  // The sort menu applies itself; its button stays for those without JavaScript.
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.classList.add("is-enhanced");
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () {
        form.submit();
      });
    });
  });
})();
