/* headcat site script: search, filters and URL state on the home page; copy buttons on paper pages.
   No framework, nothing from another host. Without it every page still works: the home page lists every
   paper and each filter option links to a page of its own. Search uses the Pagefind index under pagefind/
   when it loads; otherwise (opened from disk, or a build without search) it matches the text of the cards. */
(function () {
  "use strict";

  var scriptUrl = document.currentScript ? document.currentScript.src : "";

  function setupCopyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      var label = button.textContent;
      button.addEventListener("click", function () {
        var text = source.textContent;
        var done = function (message) {
          button.textContent = message;
          window.setTimeout(function () { button.textContent = label; }, 2500);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { done("Copied"); }, function () { selectText(source); done("Press Ctrl+C to copy"); });
        } else {
          selectText(source);
          done("Selected: press Ctrl+C to copy");
        }
      });
    });
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  /* ---- Home page: search and filters ---- */

  function setupBrowse(form) {
    // The facets are the form's (headcat declares them once, in catalog/facets.py): each is a <details data-facet>
    // whose checkboxes are named after it, and every card holds its values in the data attribute of that name.
    var FACETS = Array.prototype.map.call(form.querySelectorAll("[data-facet]"), function (element) {
      return element.getAttribute("data-facet");
    });
    var input = form.querySelector("input[name=q]");
    var status = document.getElementById("result-count");
    var noResults = document.getElementById("no-results");
    var cards = Array.prototype.map.call(document.querySelectorAll(".paper-card"), function (element) {
      var values = {};
      FACETS.forEach(function (facet) {
        var raw = element.getAttribute("data-" + facet) || "";
        values[facet] = raw ? raw.split(" ") : [];
      });
      return { element: element, id: element.id, values: values, text: null };
    });
    var cardById = {};
    cards.forEach(function (card) { cardById[card.id] = card; });
    var sections = Array.prototype.map.call(document.querySelectorAll(".year-group"), function (section) {
      return { element: section, count: section.querySelector(".year-count"), cards: section.querySelectorAll(".paper-card") };
    });
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox]"));
    var total = cards.length;
    var searchEngine = null; // a promise of Pagefind, or of null when it cannot be loaded
    var queryRun = 0;
    var lastAnnouncement = "";

    function plural(count, noun) { return count + " " + noun + (count === 1 ? "" : "s"); }

    function selectedFilters() {
      var selected = {};
      boxes.forEach(function (box) {
        if (!box.checked) return;
        (selected[box.name] = selected[box.name] || []).push(box.value);
      });
      return selected;
    }

    // Pagefind is there when the build made an index, with pagefind/paper-ids.json (each result id's paper id);
    // browsers refuse to load its module from a page opened from disk, so there the text match is used straight
    // away, as it is when the index cannot be loaded (a build without search).
    var canLoadIndex = window.location.protocol !== "file:";

    /* A promise of { pagefind, paperIds }, or of null when there is no index to use. */
    function loadSearch() {
      if (!canLoadIndex) return Promise.resolve(null);
      if (!searchEngine) {
        searchEngine = fetch(new URL("../pagefind/paper-ids.json", scriptUrl).href)
          .then(function (response) {
            if (!response.ok) throw new Error("no search index");
            return response.json();
          })
          .then(function (paperIds) {
            return import(new URL("../pagefind/pagefind.js", scriptUrl).href).then(function (pagefind) {
              var ready = pagefind.init ? Promise.resolve(pagefind.init()) : Promise.resolve();
              return ready.then(function () { return { pagefind: pagefind, paperIds: paperIds }; });
            });
          })
          .catch(function () { return null; });
      }
      return searchEngine;
    }

    function textOf(card) {
      if (card.text === null) card.text = normalize(card.element.textContent);
      return card.text;
    }

    function normalize(text) {
      return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/\s+/g, " ");
    }

    function matchText(query) {
      var terms = normalize(query).split(" ").filter(Boolean);
      var matched = new Set();
      cards.forEach(function (card) {
        var text = textOf(card);
        if (terms.every(function (term) { return text.indexOf(term) !== -1; })) matched.add(card);
      });
      return matched;
    }

    /* The cards matching the query: a Set, or null for "no query". */
    function matchQuery(query) {
      if (!query.trim()) return Promise.resolve(null);
      return loadSearch().then(function (index) {
        if (!index) return matchText(query);
        return index.pagefind.search(query).then(function (search) {
          var matched = new Set();
          var unknown = [];
          search.results.forEach(function (result) {
            var paperId = Object.prototype.hasOwnProperty.call(index.paperIds, result.id) ? index.paperIds[result.id] : null;
            var card = paperId !== null ? cardById["paper-" + paperId] : null;
            if (card) matched.add(card); else unknown.push(result);
          });
          // A result we cannot place from its id alone: read its record (a small request each).
          return Promise.all(unknown.map(function (result) {
            return result.data().then(function (data) {
              var card = data.meta && cardById["paper-" + data.meta.paper_id];
              if (card) matched.add(card);
            });
          })).then(function () { return matched; });
        }, function () { return matchText(query); });
      });
    }

    function passes(card, selected, except) {
      for (var facet in selected) {
        if (facet === except) continue;
        var wanted = selected[facet];
        if (!card.values[facet].some(function (value) { return wanted.indexOf(value) !== -1; })) return false;
      }
      return true;
    }

    function show(matched, selected, query) {
      var shown = 0;
      var counts = {};
      cards.forEach(function (card) {
        var inQuery = matched === null || matched.has(card);
        var visible = inQuery && passes(card, selected, null);
        card.element.hidden = !visible;
        if (visible) shown += 1;
        if (!inQuery) return;
        // Each option's count: the papers it would show, given the query and the other facets' choices.
        FACETS.forEach(function (facet) {
          if (!passes(card, selected, facet)) return;
          card.values[facet].forEach(function (value) {
            var key = facet + "\u0000" + value;
            counts[key] = (counts[key] || 0) + 1;
          });
        });
      });
      boxes.forEach(function (box) {
        var count = counts[box.name + "\u0000" + box.value] || 0;
        var label = box.nextElementSibling;
        var countElement = label && label.querySelector("[data-count]");
        if (countElement) countElement.textContent = String(count);
        box.parentNode.classList.toggle("is-empty", count === 0 && !box.checked);
      });
      sections.forEach(function (section) {
        var visible = 0;
        section.cards.forEach(function (card) { if (!card.hidden) visible += 1; });
        section.element.hidden = visible === 0;
        if (section.count) section.count.textContent = plural(visible, "paper");
      });
      noResults.hidden = shown !== 0;
      var filtered = query.trim() !== "" || Object.keys(selected).length > 0;
      var message = filtered ? "Showing " + shown + " of " + plural(total, "paper") : "Showing all " + plural(total, "paper");
      if (message !== lastAnnouncement) {
        status.textContent = message;
        lastAnnouncement = message;
      }
    }

    function writeUrl(query, selected) {
      var params = new URLSearchParams();
      if (query.trim()) params.set("q", query.trim());
      FACETS.forEach(function (facet) {
        (selected[facet] || []).forEach(function (value) { params.append(facet, value); });
      });
      var search = params.toString();
      var url = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
      if (url !== window.location.pathname + window.location.search + window.location.hash) {
        window.history.replaceState(null, "", url);
      }
    }

    function readUrl() {
      var params = new URLSearchParams(window.location.search);
      input.value = params.get("q") || "";
      boxes.forEach(function (box) {
        box.checked = params.getAll(box.name).indexOf(box.value) !== -1;
        if (box.checked) {
          var facet = box.closest("details");
          if (facet) facet.open = true;
        }
      });
    }

    function update(options) {
      var query = input.value;
      var selected = selectedFilters();
      if (!options || options.writeUrl !== false) writeUrl(query, selected);
      var run = ++queryRun;
      return matchQuery(query).then(function (matched) {
        if (run === queryRun) show(matched, selected, query);
      });
    }

    var typingTimer = 0;
    input.addEventListener("input", function () {
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(update, 120);
    });
    form.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") update();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(typingTimer);
      update();
    });
    form.addEventListener("reset", function () {
      // The form clears its fields after this event; update once it has.
      window.setTimeout(update, 0);
    });
    document.querySelectorAll("[data-clear]").forEach(function (button) {
      button.addEventListener("click", function () {
        form.reset();
        input.focus();
      });
    });
    window.addEventListener("popstate", function () {
      readUrl();
      update({ writeUrl: false });
    });

    readUrl();
    if (window.location.search) update({ writeUrl: false });
    window.headcatReady = true;
  }

  function start() {
    setupCopyButtons();
    var form = document.getElementById("filters");
    if (form) setupBrowse(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
