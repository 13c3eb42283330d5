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

  // The parts of a search record's text, separated by SECTION_MARK (render/search.py writes them in this order).
  var RECORD_PARTS = ["title", "authors", "identifiers", "head types", "stages and models", "summary"];
  var SECTION_MARK = "\u00b6";
  // How much a word found in each of a record's metadata fields counts: the title and head types above the text.
  var META_WEIGHTS = { title: 10, heads: 7, authors: 5, paper_id: 1 };
  var PAGE_SIZE = 100;
  var SNIPPET_WORDS = 28;

  /* Text as it is compared: decomposed, without accents, in lowercase. */
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }

  /* The words of a query as the index holds them: letters and digits only ("GPT-2" is "gpt2"). */
  function queryWords(text) {
    return fold(text).split(/\s+/).map(function (word) { return word.replace(/[^\p{L}\p{N}]/gu, ""); })
      .filter(Boolean);
  }

  /* A title's lookup key (render/lookup.py: lookup_key_of_title computes the same). */
  function titleKey(text) {
    return "title:" + fold(text).replace(/[^\p{L}\p{N}]/gu, "");
  }

  /* CRC-32 (zlib's) of the UTF-8 bytes: which lookup file holds a key (render/lookup.py: key_hash). */
  var crcTable = null;
  function keyHash(text) {
    if (!crcTable) {
      crcTable = [];
      for (var n = 0; n < 256; n += 1) {
        var c = n;
        for (var k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        crcTable.push(c >>> 0);
      }
    }
    var bytes = new TextEncoder().encode(text);
    var crc = 0xffffffff;
    for (var i = 0; i < bytes.length; i += 1) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  }

  /* What an identifier pasted into the search box names: {kind, id, keys}, or null when it is not one. */
  function parseIdentifier(query) {
    var text = query.trim();
    var found;
    if ((found = /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\/(.+?)(?:v\d+)?(?:\.pdf)?\/?$/i.exec(text)) ||
        (found = /^(?:arxiv\s*:?\s*)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?\/\d{7})(?:v\d+)?$/i.exec(text))) {
      return { kind: "arXiv", id: found[1], keys: ["arxiv:" + found[1].toLowerCase()] };
    }
    if ((found = /^(?:doi\s*:?\s*|https?:\/\/(?:dx\.)?doi\.org\/)?(10\.\d{4,9}\/\S+)$/i.exec(text))) {
      var doi = found[1];
      try { doi = decodeURIComponent(doi); } catch (error) { /* as typed */ }
      return { kind: "DOI", id: doi, keys: ["doi:" + doi.toLowerCase()] };
    }
    if ((found = /^(?:https?:\/\/)?openreview\.net\/(?:forum|pdf)\?(?:[^#]*&)?id=([A-Za-z0-9_-]+)/i.exec(text))) {
      return { kind: "OpenReview", id: found[1], keys: ["openreview:" + found[1]] };
    }
    if ((found = /^(?:https?:\/\/)?(?:www\.)?aclanthology\.org\/([A-Za-z0-9.-]+?)(?:\.pdf)?\/?$/i.exec(text))) {
      return { kind: "ACL Anthology", id: found[1], keys: ["acl:" + found[1].toLowerCase()] };
    }
    return null;
  }

  /* Every lookup key the query could be: the identifier's, a paper id (or a paper page's address), a title. */
  function lookupKeys(query, identifier) {
    if (identifier) return identifier.keys;
    var keys = [];
    var text = query.trim().toLowerCase();
    var page = /papers\/([a-z0-9]+(?:-[a-z0-9]+)*)\/?(?:index\.html)?\/?$/.exec(text);
    if (page) keys.push("paper:" + page[1]);
    else if (/^[a-z0-9]+(?:-[a-z0-9]+)+$/.test(text)) keys.push("paper:" + text);
    var title = titleKey(query);
    if (title.length > 6) keys.push(title);
    return keys;
  }

  /* The keys a link of a paper names (the same ones render/lookup.py reads from a paper's links). */
  function keysOfLink(href) {
    var identifier = parseIdentifier(href);
    return identifier ? identifier.keys : [];
  }

  function setupBrowse(form) {
    // The facets are the form's (headcat declares them once, in catalog/facets.py): each is a <details data-facet>
    // whose checkboxes are named after it, and every card holds its values in the data attribute of that name.
    var FACETS = Array.prototype.map.call(form.querySelectorAll("[data-facet]"), function (element) {
      return element.getAttribute("data-facet");
    });
    var input = form.querySelector("input[name=q]");
    var sortSelect = form.querySelector("select[name=sort]");
    var status = document.getElementById("result-count");
    var noResults = document.getElementById("no-results");
    var resultList = document.getElementById("results");
    var moreButton = document.getElementById("more-results");
    var lookupNote = document.getElementById("lookup-note");
    var catalogList = document.getElementById("catalog-list");
    var lookupBase = form.getAttribute("data-lookup") || "";
    var lookupFiles = parseInt(form.getAttribute("data-lookup-files") || "0", 10);
    var cards = Array.prototype.map.call(document.querySelectorAll(".paper-card"), function (element) {
      var values = {};
      FACETS.forEach(function (facet) {
        var raw = element.getAttribute("data-" + facet) || "";
        values[facet] = raw ? raw.split(" ") : [];
      });
      var time = element.querySelector("time");
      var titleLink = element.querySelector(".paper-title a");
      return {
        element: element, id: element.id, paperId: element.id.replace(/^paper-/, ""), values: values, text: null,
        title: titleLink ? titleLink.textContent : "", href: titleLink ? titleLink.getAttribute("href") : "",
        date: time ? time.getAttribute("datetime") : "", added: element.getAttribute("data-added") || ""
      };
    });
    var cardByPaper = {};
    cards.forEach(function (card) { cardByPaper[card.paperId] = card; });
    var sections = Array.prototype.map.call(document.querySelectorAll(".year-group"), function (section) {
      return { element: section, count: section.querySelector(".year-count"), cards: section.querySelectorAll(".paper-card") };
    });
    var total = cards.length;
    var searchEngine = null; // a promise of Pagefind, or of null when it cannot be loaded
    var lookupFilesLoaded = {};
    var pageKeys = null; // the lookup keys of the cards of this page, for when the lookup files cannot be read
    var queryRun = 0;
    var lastAnnouncement = "";
    var shownLimit = PAGE_SIZE;
    var lastAnswer = null;

    function boxes() { return Array.prototype.slice.call(form.querySelectorAll("input[type=checkbox]")); }

    function plural(count, noun) { return count + " " + noun + (count === 1 ? "" : "s"); }

    function selectedFilters() {
      var selected = {};
      boxes().forEach(function (box) {
        if (!box.checked) return;
        (selected[box.name] = selected[box.name] || []).push(box.value);
      });
      return selected;
    }

    // Pagefind is there when the build made an index, with pagefind/paper-ids.json (each result id's paper id);
    // browsers refuse to load its module from a page opened from disk, so there the cards' text is searched
    // instead, as it is when the index cannot be loaded (a build without search).
    var canFetch = window.location.protocol !== "file:";

    /* A promise of { pagefind, paperIds }, or of null when there is no index to use. */
    function loadSearch() {
      if (!canFetch) return Promise.resolve(null);
      if (!searchEngine) {
        searchEngine = fetch(new URL("../pagefind/paper-ids.json", scriptUrl).href)
          .then(function (response) {
            if (!response.ok) throw new Error("no search index");
            return response.json();
          })
          .then(function (paperIds) {
            return import(new URL("../pagefind/pagefind.js", scriptUrl).href).then(function (pagefind) {
              var ready = pagefind.options ? Promise.resolve(pagefind.options({ ranking: { metaWeights: META_WEIGHTS } })) : Promise.resolve();
              return ready.then(function () { return pagefind.init ? pagefind.init() : null; })
                .then(function () { return { pagefind: pagefind, paperIds: paperIds }; });
            });
          })
          .catch(function () { return null; });
      }
      return searchEngine;
    }

    /* ---- Exact lookups: an identifier, a paper id or a whole title names one paper ---- */

    function readLookupFile(key) {
      var number = keyHash(key) % lookupFiles;
      if (!lookupFilesLoaded[number]) {
        lookupFilesLoaded[number] = fetch(new URL(lookupBase + "lookup-" + number + ".json", document.baseURI).href)
          .then(function (response) {
            if (!response.ok) throw new Error("no lookup file");
            return response.json();
          });
      }
      return lookupFilesLoaded[number];
    }

    function keysOfPage() {
      if (!pageKeys) {
        pageKeys = {};
        cards.forEach(function (card) {
          var keys = ["paper:" + card.paperId, titleKey(card.title)];
          card.element.querySelectorAll(".paper-links a").forEach(function (link) {
            keys = keys.concat(keysOfLink(link.getAttribute("href") || ""));
          });
          keys.forEach(function (key) { (pageKeys[key] = pageKeys[key] || []).push(card.paperId); });
        });
      }
      return pageKeys;
    }

    /* A promise of the ids of the papers the keys name, in the order of the keys. */
    function lookUp(keys) {
      if (!keys.length) return Promise.resolve([]);
      var fromPage = function () {
        var table = keysOfPage();
        return keys.map(function (key) { return table[key] || []; });
      };
      var answers = canFetch && lookupFiles > 0
        ? Promise.all(keys.map(function (key) {
          return readLookupFile(key).then(function (table) {
            return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : [];
          });
        })).catch(fromPage)
        : Promise.resolve(fromPage());
      return answers.then(function (lists) {
        var ids = [];
        lists.forEach(function (list) {
          list.forEach(function (id) { if (ids.indexOf(id) === -1 && cardByPaper[id]) ids.push(id); });
        });
        return ids;
      });
    }

    /* ---- Word search ---- */

    function textOf(card) {
      if (card.text === null) card.text = fold(card.element.textContent).split(/\s+/).map(function (word) {
        return word.replace(/[^\p{L}\p{N}]/gu, "");
      }).filter(Boolean);
      return card.text;
    }

    /* Without the index: the cards that have, for every word of the query, a word that begins with it. */
    function matchText(terms) {
      return cards.filter(function (card) {
        var words = textOf(card);
        return terms.every(function (term) {
          return words.some(function (word) { return word.indexOf(term) === 0; });
        });
      }).map(function (card) { return { paperId: card.paperId, result: null, fields: [] }; });
    }

    /* A promise of the papers that have every word of the query (or a form of it with the same stem), best
       first: [{ paperId, result (Pagefind's, or null), fields }]. Pagefind ranks them; on its own it would also
       return papers that lack a word (a word it does not know is answered with the longest indexed word that
       begins it, and a word that matches nothing is dropped when others match), so each word is also looked up
       alone, exactly (a quoted search: the word's stem, no prefix), and only papers found for every word stay. */
    function searchWords(query) {
      var terms = queryWords(query);
      if (!terms.length) return Promise.resolve([]);
      var phrase = /^\s*".+"\s*$/.test(query);
      return loadSearch().then(function (index) {
        if (!index) return matchText(terms);
        var searches = [index.pagefind.search(phrase ? query.trim() : terms.join(" "))];
        if (!phrase) {
          terms.forEach(function (term) { searches.push(index.pagefind.search("\"" + term + "\"")); });
        }
        return Promise.all(searches).then(function (answers) {
          var required = answers.slice(1).map(function (answer) {
            return new Set(answer.results.map(function (result) { return result.id; }));
          });
          var found = [];
          answers[0].results.forEach(function (result) {
            if (!required.every(function (ids) { return ids.has(result.id); })) return;
            var paperId = Object.prototype.hasOwnProperty.call(index.paperIds, result.id) ? index.paperIds[result.id] : null;
            if (paperId === null || !cardByPaper[paperId]) return;
            found.push({ paperId: paperId, result: result, fields: result.matchedMetaFields || [] });
          });
          // Matches in the title first, then in the head types or authors, then in the text; Pagefind's order
          // within each.
          var rank = function (item) {
            if (item.fields.indexOf("title") !== -1) return 0;
            if (item.fields.indexOf("heads") !== -1 || item.fields.indexOf("authors") !== -1) return 1;
            return 2;
          };
          return found.map(function (item, position) { return [rank(item), position, item]; })
            .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
            .map(function (entry) { return entry[2]; });
        }, function () { return matchText(terms); });
      });
    }

    /* ---- Showing the answer ---- */

    function passes(card, selected, except) {
      for (var facet in selected) {
        if (facet === except) continue;
        var wanted = selected[facet];
        if (!card.values[facet].some(function (value) { return wanted.indexOf(value) !== -1; })) return false;
      }
      return true;
    }

    /* Each checkbox's count: the papers it would show, given the query and the other facets' choices. */
    function showCounts(inQuery, selected) {
      var counts = {};
      cards.forEach(function (card) {
        if (inQuery && !inQuery.has(card.paperId)) return;
        FACETS.forEach(function (facet) {
          if (!passes(card, selected, facet)) return;
          card.values[facet].forEach(function (value) {
            var key = facet + "\u0000" + value;
            counts[key] = (counts[key] || 0) + 1;
          });
        });
      });
      boxes().forEach(function (box) {
        var count = counts[box.name + "\u0000" + box.value] || 0;
        var label = box.nextElementSibling;
        var countElement = label && label.querySelector("[data-count]");
        if (countElement) countElement.textContent = String(count);
        box.parentNode.classList.toggle("is-empty", count === 0 && !box.checked);
      });
    }

    function ordered(items, sort) {
      var key = {
        date: function (item) { return cardByPaper[item.paperId].date; },
        added: function (item) { return cardByPaper[item.paperId].added; }
      }[sort];
      var copy = items.map(function (item, position) { return [item, position]; });
      if (key) copy.sort(function (a, b) { return key(b[0]) < key(a[0]) ? -1 : key(b[0]) > key(a[0]) ? 1 : a[1] - b[1]; });
      if (sort === "title") {
        copy.sort(function (a, b) {
          return cardByPaper[a[0].paperId].title.localeCompare(cardByPaper[b[0].paperId].title) || a[1] - b[1];
        });
      }
      return copy.map(function (entry) { return entry[0]; });
    }

    function element(tag, className, text) {
      var made = document.createElement(tag);
      if (className) made.className = className;
      if (text) made.textContent = text;
      return made;
    }

    /* `words` into `parent` as text, each word at a position in `marked` inside a <mark>. */
    function appendWords(parent, words, first, marked) {
      words.forEach(function (word, offset) {
        if (offset > 0) parent.appendChild(document.createTextNode(" "));
        if (marked(first + offset, word)) parent.appendChild(element("mark", "", word));
        else parent.appendChild(document.createTextNode(word));
      });
    }

    /* Whether a word of the page begins with a word of the query (the highlighting without the index). */
    function prefixMarker(terms) {
      return function (position, word) {
        var folded = fold(word).replace(/[^\p{L}\p{N}]/gu, "");
        return folded !== "" && terms.some(function (term) { return folded.indexOf(term) === 0; });
      };
    }

    /* Fill in a result's title, parts matched and snippet from its Pagefind record. */
    function describe(item, title, snippet, why) {
      var card = cardByPaper[item.paperId];
      var terms = queryWords(input.value);
      if (!item.result) {
        title.textContent = "";
        appendWords(title, card.title.split(/\s+/), 0, prefixMarker(terms));
        var words = [];
        card.element.querySelectorAll(".summary dd").forEach(function (part) {
          words = words.concat(part.textContent.trim().split(/\s+/));
        });
        var marker = prefixMarker(terms);
        var at = Math.max(0, words.findIndex(function (word, position) { return marker(position, word); }));
        fillSnippet(snippet, words, Math.max(0, at - 8), marker);
        return;
      }
      item.result.data().then(function (data) {
        var words = data.content.split(/[\r\n\s]+/);
        var marks = [];
        words.forEach(function (word, position) { if (word === SECTION_MARK) marks.push(position); });
        var hits = new Set(data.locations || []);
        var part = function (position) {
          var count = 0;
          while (count < marks.length && marks[count] < position) count += 1;
          return RECORD_PARTS[count];
        };
        var titleWords = words.slice(0, marks.length ? marks[0] : words.length);
        title.textContent = "";
        appendWords(title, titleWords, 0, function (position) { return hits.has(position); });
        var parts = [];
        hits.forEach(function (position) {
          var name = part(position);
          if (parts.indexOf(name) === -1) parts.push(name);
        });
        parts.sort(function (a, b) { return RECORD_PARTS.indexOf(a) - RECORD_PARTS.indexOf(b); });
        why.textContent = parts.length ? "Found in the " + parts.join(", ") : "";
        var summaryStart = marks.length ? marks[marks.length - 1] + 1 : 0;
        var summaryHits = (data.locations || []).filter(function (position) { return position >= summaryStart; });
        var start = summaryHits.length ? Math.max(summaryStart, Math.min.apply(null, summaryHits) - 8) : summaryStart;
        fillSnippet(snippet, words.slice(summaryStart), start - summaryStart, function (position) {
          return hits.has(position + summaryStart);
        });
      }, function () { /* the record could not be read: the result shows without its snippet */ });
    }

    function fillSnippet(snippet, words, start, marked) {
      snippet.textContent = "";
      if (!words.length) return;
      var end = Math.min(words.length, start + SNIPPET_WORDS);
      if (start > 0) snippet.appendChild(document.createTextNode("… "));
      appendWords(snippet, words.slice(start, end), start, marked);
      if (end < words.length) snippet.appendChild(document.createTextNode(" …"));
    }

    /* One result: one link, to the paper's page. */
    function resultItem(item, exact) {
      var card = cardByPaper[item.paperId];
      var li = element("li", "result");
      li.setAttribute("data-paper", item.paperId);
      if (exact) li.appendChild(element("p", "result-exact", exact));
      var heading = element("h3", "paper-title");
      var link = element("a", "", card.title);
      link.setAttribute("href", card.href);
      heading.appendChild(link);
      li.appendChild(heading);
      var meta = card.element.querySelector(".paper-meta");
      if (meta) li.appendChild(element("p", "paper-meta", meta.textContent.trim()));
      var authors = card.element.querySelector(".paper-authors");
      if (authors) li.appendChild(element("p", "paper-authors", authors.textContent.trim()));
      var heads = Array.prototype.map.call(card.element.querySelectorAll(".head-label"), function (label) {
        return label.textContent.trim();
      });
      if (heads.length) li.appendChild(element("p", "result-heads", heads.join(" · ")));
      var snippet = element("p", "result-snippet");
      var why = element("p", "result-why");
      li.appendChild(snippet);
      li.appendChild(why);
      if (input.value.trim()) describe(item, link, snippet, why);
      return li;
    }

    function showNote(identifier, exactIds) {
      lookupNote.textContent = "";
      lookupNote.hidden = !(identifier && exactIds.length === 0);
      if (lookupNote.hidden) return;
      var label = identifier.kind + " " + identifier.id;
      lookupNote.appendChild(element("p", "", label + " is not in this catalog."));
      var how = element("p", "");
      how.appendChild(document.createTextNode("To add it, create its paper file"));
      if (identifier.kind === "arXiv") {
        how.appendChild(document.createTextNode(" with "));
        how.appendChild(element("code", "", "headcat new --arxiv " + identifier.id + " --head \"Head Type\""));
      }
      how.appendChild(document.createTextNode(" ("));
      var guide = element("a", "", "how to add a paper");
      guide.setAttribute("href", form.getAttribute("data-contribute") || "");
      how.appendChild(guide);
      how.appendChild(document.createTextNode(")"));
      var repository = form.getAttribute("data-new-paper");
      if (repository) {
        var fields = identifier.kind === "arXiv" ? "arxiv: \"" + identifier.id + "\"\n"
          : identifier.kind === "DOI" ? "doi: " + identifier.id + "\n" : "links:\n  paper: " + input.value.trim() + "\n";
        var start = "title: \ndate: \nadded: \nauthors: []\nheads: []\n" + fields +
          "summary:\n  innovation: \n  tasks: \n  result: \n";
        var propose = element("a", "", "propose it on GitHub");
        propose.setAttribute("href", repository + "?filename=" + encodeURIComponent("new-paper.yaml") +
          "&value=" + encodeURIComponent(start));
        how.appendChild(document.createTextNode(" or "));
        how.appendChild(propose);
      }
      how.appendChild(document.createTextNode("."));
      lookupNote.appendChild(how);
    }

    /* Show `answer` ({ query, identifier, exactIds, items }, or null for "no query"). */
    function show(answer, selected, sort) {
      var query = answer ? answer.query : "";
      var inQuery = answer ? new Set(answer.exactIds.concat(answer.items.map(function (item) { return item.paperId; }))) : null;
      showCounts(inQuery, selected);
      var listing = answer !== null || (sort !== "" && sort !== "date");
      var shown = 0;
      cards.forEach(function (card) {
        var visible = (inQuery === null || inQuery.has(card.paperId)) && passes(card, selected, null);
        card.element.hidden = !visible;
        if (visible) shown += 1;
      });
      sections.forEach(function (section) {
        var visible = 0;
        section.cards.forEach(function (card) { if (!card.hidden) visible += 1; });
        section.element.hidden = visible === 0;
        if (section.count) section.count.textContent = plural(visible, "paper");
      });
      catalogList.hidden = listing;
      resultList.hidden = !listing;
      resultList.textContent = "";
      moreButton.hidden = true;
      if (listing) {
        var items = answer ? answer.items : cards.map(function (card) { return { paperId: card.paperId, result: null, fields: [] }; });
        var exact = answer ? answer.exactIds : [];
        var rest = ordered(items.filter(function (item) { return exact.indexOf(item.paperId) === -1; }),
          answer && sort === "" ? "" : sort || "date");
        var all = exact.map(function (paperId) { return { paperId: paperId, result: null, fields: [], exact: true }; })
          .concat(rest)
          .filter(function (item) { return passes(cardByPaper[item.paperId], selected, null); });
        all.slice(0, shownLimit).forEach(function (item) {
          var mark = item.exact ? "Exact match" + (answer.identifier ? ": " + answer.identifier.kind + " " + answer.identifier.id : "") : "";
          if (item.exact) {
            var ranked = answer.items.filter(function (other) { return other.paperId === item.paperId; })[0];
            if (ranked) item = ranked;
          }
          resultList.appendChild(resultItem(item, mark));
        });
        moreButton.hidden = all.length <= shownLimit;
        shown = all.length;
      }
      showNote(answer ? answer.identifier : null, answer ? answer.exactIds : []);
      noResults.hidden = shown !== 0;
      var filtered = query.trim() !== "" || Object.keys(selected).length > 0;
      var message = query.trim() && shown === 0 ? "No paper matches “" + query.trim() + "”"
        : filtered ? "Showing " + shown + " of " + plural(total, "paper") : "Showing all " + plural(total, "paper");
      if (message !== lastAnnouncement) {
        status.textContent = message;
        lastAnnouncement = message;
      }
    }

    /* A promise of the answer to a query: the papers it names exactly, then those with all its words. */
    function answerQuery(query) {
      if (!query.trim()) return Promise.resolve(null);
      var identifier = parseIdentifier(query);
      return Promise.all([lookUp(lookupKeys(query, identifier)), searchWords(query)]).then(function (found) {
        return { query: query, identifier: identifier, exactIds: found[0], items: found[1] };
      });
    }

    function writeUrl(query, selected, sort) {
      var params = new URLSearchParams();
      if (query.trim()) params.set("q", query.trim());
      if (sort) params.set("sort", sort);
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
      var sort = params.get("sort") || "";
      sortSelect.value = Array.prototype.some.call(sortSelect.options, function (option) { return option.value === sort; }) ? sort : "";
      boxes().forEach(function (box) {
        box.checked = params.getAll(box.name).indexOf(box.value) !== -1;
        if (box.checked) {
          var facet = box.closest("details");
          if (facet) facet.open = true;
        }
      });
      return params;
    }

    function update(options) {
      var query = input.value;
      var selected = selectedFilters();
      var sort = sortSelect.value;
      if (!options || options.writeUrl !== false) writeUrl(query, selected, sort);
      if (!options || !options.keepLimit) shownLimit = PAGE_SIZE;
      var run = ++queryRun;
      var pending = lastAnswer && lastAnswer.query === query ? Promise.resolve(lastAnswer.answer) : answerQuery(query);
      resultList.setAttribute("aria-busy", "true"); // until this query's results are shown
      return pending.then(function (answer) {
        if (run !== queryRun) return;
        lastAnswer = { query: query, answer: answer };
        show(answer, selected, sort);
        resultList.setAttribute("aria-busy", "false");
      });
    }

    /* ---- Facets with many options: type to narrow ---- */

    function optionItem(facet, value, label, count, path) {
      var li = document.createElement("li");
      var id = "facet-" + facet + "-" + value;
      var box = element("input", "needs-js");
      box.type = "checkbox";
      box.id = id;
      box.name = facet;
      box.value = value;
      var boxLabel = element("label", "needs-js", label + " ");
      boxLabel.setAttribute("for", id);
      var countElement = element("span", "count", String(count));
      countElement.setAttribute("data-count", "");
      boxLabel.appendChild(countElement);
      li.appendChild(box);
      li.appendChild(boxLabel);
      li.setAttribute("data-page", path);
      return li;
    }

    var optionFiles = {};
    function loadOptions(narrow) {
      var source = narrow.getAttribute("data-options");
      if (!source || !canFetch) return Promise.resolve([]);
      if (!optionFiles[source]) {
        optionFiles[source] = fetch(new URL(source, document.baseURI).href)
          .then(function (response) { return response.ok ? response.json() : []; })
          .catch(function () { return []; });
      }
      return optionFiles[source];
    }

    /* Give the facet a checkbox for each of `values` it does not list yet (from its options file). */
    function addOptions(details, values) {
      var narrow = details.querySelector(".facet-narrow");
      var list = details.querySelector(".facet-options");
      if (!narrow || !list) return Promise.resolve(false);
      var facet = details.getAttribute("data-facet");
      return loadOptions(narrow).then(function (options) {
        var added = false;
        options.forEach(function (option) {
          if (values.indexOf(option[0]) === -1 || document.getElementById("facet-" + facet + "-" + option[0])) return;
          list.appendChild(optionItem(facet, option[0], option[1], option[2], option[3]));
          added = true;
        });
        return added;
      });
    }

    function setupNarrowing(details) {
      var narrow = details.querySelector(".facet-narrow");
      if (!narrow) return;
      narrow.addEventListener("input", function () {
        var typed = fold(narrow.value.trim());
        var list = details.querySelector(".facet-options");
        var found = function (label) { return typed === "" || fold(label).indexOf(typed) !== -1; };
        var more = typed === "" ? Promise.resolve([]) : loadOptions(narrow).then(function (options) {
          return options.filter(function (option) { return found(option[1]); }).slice(0, 20)
            .map(function (option) { return option[0]; });
        });
        more.then(function (values) {
          return addOptions(details, values);
        }).then(function (added) {
          list.querySelectorAll("li").forEach(function (li) {
            var label = li.querySelector("label");
            var box = li.querySelector("input");
            li.hidden = !(box && box.checked) && !found(label ? label.textContent : li.textContent);
          });
          if (added) update({ writeUrl: false, keepLimit: true });
        });
      });
      // Keep Enter in the box from submitting the form.
      narrow.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
    }

    form.querySelectorAll("[data-facet]").forEach(setupNarrowing);

    var typingTimer = 0;
    input.addEventListener("input", function () {
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(update, 120);
    });
    form.addEventListener("change", function (event) {
      if (event.target.type === "checkbox" || event.target === sortSelect) update();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(typingTimer);
      update();
    });
    form.addEventListener("reset", function () {
      // The form clears its fields after this event; update once it has.
      window.setTimeout(function () {
        form.querySelectorAll(".facet-narrow").forEach(function (narrow) {
          narrow.dispatchEvent(new Event("input"));
        });
        update();
      }, 0);
    });
    document.querySelectorAll("[data-clear]").forEach(function (button) {
      button.addEventListener("click", function () {
        form.reset();
        input.focus();
      });
    });
    moreButton.addEventListener("click", function () {
      shownLimit += PAGE_SIZE;
      update({ writeUrl: false, keepLimit: true });
    });
    window.addEventListener("popstate", function () {
      readUrl();
      update({ writeUrl: false });
    });

    /* Options chosen in the address that the form does not list yet (an author with one paper): add them. */
    function addChosenOptions(params) {
      return Promise.all(Array.prototype.map.call(form.querySelectorAll("[data-facet]"), function (details) {
        var facet = details.getAttribute("data-facet");
        var missing = params.getAll(facet).filter(function (value) {
          return !document.getElementById("facet-" + facet + "-" + value);
        });
        return missing.length ? addOptions(details, missing) : false;
      }));
    }

    var params = new URLSearchParams(window.location.search);
    addChosenOptions(params).then(function () {
      readUrl();
      return window.location.search ? update({ writeUrl: false }) : null;
    }).then(function () {
      window.headcatReady = true;
    });
  }

  // What the build and this script must compute alike (render/lookup.py), for tools and tests to compare.
  window.headcatKeys = { titleKey: titleKey, keyHash: keyHash, parseIdentifier: parseIdentifier };

  function start() {
    setupCopyButtons();
    var form = document.getElementById("filters");
    if (form) setupBrowse(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
