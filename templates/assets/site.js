/* headcat site script: search, filters, order, view and URL state on the home page; copy buttons on paper pages.
   No library, nothing from another host. Without it every page still works: the home page lists the newest
   papers and links the pages with the others, and each filter option links to a page of its own. Filters and
   order read the build's data files under search/ (render/browse.py); words are searched in the word index
   under search/ (render/search.py) when the build made one. Opened from disk, where the browser reads neither, the script works
   on the cards of the page and says so. */
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

  var PAGE_SIZE = 12; // results shown at first, and added by "Show more": each may need a file of its own
  var TYPING_PAUSE = 120; // ms after a keystroke before the search runs, while more keystrokes come
  var SNIPPET_WORDS = 28;

  /* Text as it is compared: decomposed, without accents, in lowercase. */
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  }

  /* A word's letters and digits, lowercase, without accents ("GPT-2" is "gpt2"): render/search.py's normalized. */
  function normalWord(token) {
    return fold(token).replace(/[^\p{L}\p{N}]/gu, "");
  }

  /* The words of a query as the index holds them. */
  function queryWords(text) {
    return text.split(/\s+/).map(normalWord).filter(Boolean);
  }

  /* ---- Words as the search index reads them (render/search.py) ---- */

  /* The Snowball English stemmer (Snowball 3's rules, as the index applies them with the snowballstemmer package;
     tests/test_search.py compares the two on every word of a catalog and on made-up ones). It takes a word as
     `normalWord` leaves it: lowercase letters and digits. */
  var STEM_EXCEPTIONS = {
    skis: "ski", skies: "sky", idly: "idl", gently: "gentl", ugly: "ugli", early: "earli", only: "onli",
    singly: "singl", sky: "sky", news: "news", howe: "howe", atlas: "atlas", cosmos: "cosmos", bias: "bias",
    andes: "andes"
  };
  var STEM_PREFIXES = ["arsen", "commun", "emerg", "gener", "inter", "later", "organ", "past", "univers"];
  // Step 2 and 3: each ending, longest first, and what it becomes (null: decided by the letter before it).
  var STEP2 = [["ational", "ate"], ["tional", "tion"], ["ization", "ize"], ["iveness", "ive"], ["fulness", "ful"],
    ["ousness", "ous"], ["biliti", "ble"], ["lessli", "less"], ["aliti", "al"], ["iviti", "ive"], ["fulli", "ful"],
    ["ousli", "ous"], ["entli", "ent"], ["alism", "al"], ["ation", "ate"], ["ogist", "og"], ["enci", "ence"],
    ["anci", "ance"], ["abli", "able"], ["izer", "ize"], ["ator", "ate"], ["alli", "al"], ["bli", "ble"],
    ["ogi", null], ["li", null]];
  var STEP3 = [["ational", "ate"], ["tional", "tion"], ["alize", "al"], ["icate", "ic"], ["iciti", "ic"],
    ["ative", null], ["ical", "ic"], ["ness", ""], ["ful", ""]];
  var STEP4 = ["ement", "ance", "ence", "able", "ible", "ment", "ate", "ive", "ize", "iti", "ism", "ion", "ous",
    "ant", "ent", "ic", "al", "er"];

  function isVowel(word, at) { return at >= 0 && at < word.length && "aeiouy".indexOf(word[at]) !== -1; }

  function longestEnding(word, endings) {
    for (var i = 0; i < endings.length; i += 1) {
      var ending = typeof endings[i] === "string" ? endings[i] : endings[i][0];
      if (word.length >= ending.length && word.slice(word.length - ending.length) === ending) return endings[i];
    }
    return null;
  }

  /* Where the region after the first non-vowel that follows a vowel (from `start`) begins. */
  function regionAfter(word, start) {
    for (var i = start; i + 1 < word.length; i += 1) {
      if (isVowel(word, i) && !isVowel(word, i + 1)) return i + 2;
    }
    return word.length;
  }

  /* Whether the word up to `end` ends in a short syllable. */
  function shortSyllable(word, end) {
    if (end >= 3 && "aeiouywxY".indexOf(word[end - 1]) === -1 && isVowel(word, end - 2) && !isVowel(word, end - 3)) {
      return true;
    }
    if (end === 2 && !isVowel(word, 1) && isVowel(word, 0)) return true;
    return end >= 4 && word.slice(end - 4, end) === "past";
  }

  function stem(input) {
    if (Object.prototype.hasOwnProperty.call(STEM_EXCEPTIONS, input)) return STEM_EXCEPTIONS[input];
    if (!/[a-z]/.test(input)) return input; // the rules change only endings of the letters a to z
    // A character beyond the first 65,536 counts as one, as in Python: it stands in as one private-use character.
    var astral = [];
    var word = input.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, function (pair) {
      astral.push(pair);
      return String.fromCharCode(0xE000 + astral.length - 1);
    });
    if (word.length < 3 || astral.length > 0x1000) return input;
    var marked = false; // a y that acts as a consonant is written Y while the rules run
    for (var at = 0; at < word.length; at += 1) {
      if (word[at] === "y" && (at === 0 || isVowel(word, at - 1))) {
        word = word.slice(0, at) + "Y" + word.slice(at + 1);
        marked = true;
      }
    }
    var prefix = STEM_PREFIXES.filter(function (each) { return word.indexOf(each) === 0; })[0];
    var r1 = prefix ? prefix.length : regionAfter(word, 0);
    var r2 = r1 < word.length ? regionAfter(word, r1) : word.length;
    var ending, start;
    // Step 1a: plurals
    if ((ending = longestEnding(word, ["sses", "ied", "ies", "ss", "us", "s"]))) {
      start = word.length - ending.length;
      if (ending === "sses") word = word.slice(0, start) + "ss";
      else if (ending === "ied" || ending === "ies") word = word.slice(0, start) + (start >= 2 ? "i" : "ie");
      else if (ending === "s" && start >= 1 && /[aeiouy]/.test(word.slice(0, start - 1))) word = word.slice(0, start);
    }
    // Step 1b: -ed, -ing and their adverbs
    ending = longestEnding(word, ["eedly", "ingly", "edly", "eed", "ing", "ed"]);
    if (ending) {
      start = word.length - ending.length;
      var before = word.slice(0, start);
      var general = true;
      if (ending === "eed" || ending === "eedly") {
        general = false;
        if (start >= r1 && ["succ", "proc", "exc"].indexOf(before) === -1) word = before + "ee";
      } else if (ending === "ing") {
        if (/^[^aeiouy]y$/.test(before)) {
          word = before.slice(0, 1) + "ie";
          general = false;
        } else if (["even", "cann", "inn", "earr", "herr", "out"].indexOf(before) !== -1) {
          general = false;
        }
      }
      if (general && /[aeiouy]/.test(before)) {
        word = before;
        if (/(at|bl|iz)$/.test(word)) word += "e";
        else if (/(bb|dd|ff|gg|mm|nn|pp|rr|tt)$/.test(word)) {
          if (!(word.length === 3 && "aeo".indexOf(word[0]) !== -1)) word = word.slice(0, -1);
        } else if (word.length === r1 && shortSyllable(word, word.length)) word += "e";
      }
    }
    // Step 1c: a final y after a consonant
    if (word.length >= 3 && /[yY]$/.test(word) && !isVowel(word, word.length - 2)) word = word.slice(0, -1) + "i";
    // Step 2
    if ((ending = longestEnding(word, STEP2)) && word.length - ending[0].length >= r1) {
      start = word.length - ending[0].length;
      if (ending[0] === "ogi") { if (word[start - 1] === "l") word = word.slice(0, start) + "og"; }
      else if (ending[0] === "li") { if (start > 0 && "cdeghkmnrt".indexOf(word[start - 1]) !== -1) word = word.slice(0, start); }
      else word = word.slice(0, start) + ending[1];
    }
    // Step 3
    if ((ending = longestEnding(word, STEP3)) && word.length - ending[0].length >= r1) {
      start = word.length - ending[0].length;
      if (ending[1] !== null) word = word.slice(0, start) + ending[1];
      else if (start >= r2) word = word.slice(0, start);
    }
    // Step 4
    if ((ending = longestEnding(word, STEP4)) && word.length - ending.length >= r2) {
      start = word.length - ending.length;
      if (ending !== "ion" || (start > 0 && "st".indexOf(word[start - 1]) !== -1)) word = word.slice(0, start);
    }
    // Step 5
    start = word.length - 1;
    if (word[start] === "e" && (start >= r2 || (start >= r1 && !shortSyllable(word, start)))) word = word.slice(0, start);
    else if (word[start] === "l" && start >= r2 && word[start - 1] === "l") word = word.slice(0, start);
    if (marked) word = word.replace(/Y/g, "y");
    return word.replace(/[\uE000-\uEFFF]/g, function (standIn) { return astral[standIn.charCodeAt(0) - 0xE000]; });
  }

  /* Where a word splits into parts (render/search.py: _PART_BOUNDARY). */
  var PART_BOUNDARY = /[^0-9A-Za-z\u00c0-\uffff]+|(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\p{Nd})|(?<=\p{Nd})(?=[A-Za-z])/u;

  /* The index's keys for a piece of text between spaces: its word's stem and its parts' (render/search.py:
     WordReader). `stemmed` is false for a catalog whose words are not stemmed. */
  function wordKeys(token, stemmed) {
    var keys = [];
    var add = function (word) {
      var key = stemmed ? stem(word) : word;
      if (keys.indexOf(key) === -1) keys.push(key);
    };
    var whole = normalWord(token);
    if (whole) add(whole);
    token.split(PART_BOUNDARY).forEach(function (piece) {
      var part = normalWord(piece);
      if (Array.from(part).length > 1) add(part);
    });
    return keys;
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

  /* The home page's search, filters, order and view. The page holds the newest papers; everything else comes from
     the build's data files under search/ (render/browse.py), read as a view needs them. Papers are named by
     their number: their place in the catalog's order, newest first, from 0. Opened from disk, where the browser
     refuses to read those files, the script works on the papers of the page alone, and says so. */
  function setupBrowse(form) {
    // The filters stand beside the list on a wide screen; on a narrow one they wait behind a button.
    var panel = document.getElementById("filter-panel");
    var panelToggle = panel && panel.querySelector(".filter-toggle");
    function openPanel(open) {
      panel.classList.toggle("is-open", open);
      panelToggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    if (panelToggle) {
      panelToggle.addEventListener("click", function () { openPanel(!panel.classList.contains("is-open")); });
    }
    var FACETS = Array.prototype.map.call(form.querySelectorAll("[data-facet]"), function (element) {
      return { param: element.getAttribute("data-facet"), files: parseInt(element.getAttribute("data-files") || "1", 10) };
    });
    var input = form.querySelector("input[name=q]");
    var sortSelect = form.querySelector("select[name=sort]");
    var status = document.getElementById("result-count");
    var noResults = document.getElementById("no-results");
    var resultList = document.getElementById("results");
    var filterList = document.getElementById("filter-list") || document.createElement("div");
    var moreButton = document.getElementById("more-results");
    var lookupNote = document.getElementById("lookup-note");
    var summaryLabels = JSON.parse(form.getAttribute("data-summary-labels") || "[]"); // the catalog's words for the parts
    var topicExample = form.getAttribute("data-topic-example") || ""; // a name for headcat new's --head
    var catalogList = document.getElementById("catalog-list");
    var dataBase = form.getAttribute("data-lookup") || "";
    var lookupFiles = parseInt(form.getAttribute("data-lookup-files") || "0", 10);
    var perFile = parseInt(form.getAttribute("data-records-per-file") || "1", 10);
    var catalogTotal = parseInt(form.getAttribute("data-papers") || "0", 10);
    var initialStatus = status.textContent;
    var canFetch = window.location.protocol !== "file:";
    var allOnPage = form.getAttribute("data-pages") === "1"; // the page holds every paper of the catalog
    var pageCards = Array.prototype.map.call(catalogList.querySelectorAll(".paper-card"), cardOnPage);
    var source = canFetch ? dataSource() : pageSource();
    var total = canFetch ? catalogTotal : pageCards.length;
    var searchIndex = null; // a promise of the word index's description, or of null when there is none
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

    function currentView() {
      var chosen = form.querySelector("input[name=view]:checked");
      return chosen ? chosen.value : "";
    }

    /* ---- Where the papers come from: the build's data files, or the cards of this page ---- */

    var files = {};
    function readJson(path) {
      if (!files[path]) {
        files[path] = fetch(new URL(path, document.baseURI).href).then(function (response) {
          if (!response.ok) throw new Error("cannot read " + path);
          return response.json();
        });
      }
      return files[path];
    }

    /* The numbers of a list written as distances from the number before (render/browse.py). */
    function undoGaps(gaps) {
      var numbers = new Array(gaps.length);
      var number = 0;
      for (var i = 0; i < gaps.length; i += 1) { number += gaps[i]; numbers[i] = number; }
      return numbers;
    }

    function dataSource() {
      var filesOf = {};
      FACETS.forEach(function (facet) { filesOf[facet.param] = facet.files; });
      return {
        postings: function (param, value) {
          var number = keyHash(value) % (filesOf[param] || 1);
          return readJson(dataBase + "facet-" + param + "-" + number + ".json").then(function (lists) {
            return Object.prototype.hasOwnProperty.call(lists, value) ? undoGaps(lists[value]) : [];
          });
        },
        records: function (numbers, withSummaries) {
          return Promise.all(numbers.map(function (number) {
            var file = Math.floor(number / perFile);
            return Promise.all([readJson(dataBase + "papers-" + file + ".json"),
              withSummaries ? readJson(dataBase + "summaries-" + file + ".json") : null]).then(function (read) {
              var record = read[0][number % perFile];
              return withSummaries ? Object.assign({ summary: read[1][number % perFile] }, record) : record;
            });
          }));
        },
        summary: function (number) {
          return readJson(dataBase + "summaries-" + Math.floor(number / perFile) + ".json").then(function (parts) {
            return parts[number % perFile];
          });
        },
        order: function (name) { return readJson(dataBase + "order-" + name + ".json"); },
        lookUp: function (key) {
          if (lookupFiles <= 0) return Promise.resolve([]);
          return readJson(dataBase + "lookup-" + keyHash(key) % lookupFiles + ".json").then(function (table) {
            return Object.prototype.hasOwnProperty.call(table, key) ? table[key] : [];
          });
        }
      };
    }

    /* A card of this page as a record (the same fields as render/browse.py's), with its facets' values. */
    function cardOnPage(element, number) {
      var link = element.querySelector(".paper-title a");
      var time = element.querySelector("time");
      var venue = element.querySelector(".paper-meta a");
      var values = {};
      FACETS.forEach(function (facet) {
        var raw = element.getAttribute("data-" + facet.param) || "";
        values[facet.param] = raw ? raw.split(" ") : [];
      });
      var pairs = function (selector) {
        return Array.prototype.map.call(element.querySelectorAll(selector), function (a) {
          return [a.textContent.trim(), a.getAttribute("href")];
        });
      };
      var more = /and (\d+) more/.exec((element.querySelector(".paper-authors") || {}).textContent || "");
      return {
        number: number, element: element, values: values, text: null, keys: null,
        record: {
          id: element.id.replace(/^paper-/, ""), title: link.textContent, path: link.getAttribute("href"),
          date: time.getAttribute("datetime"), date_text: time.textContent, added: element.getAttribute("data-added"),
          venue: venue ? [venue.textContent, venue.getAttribute("href")] : null,
          authors: pairs(".paper-authors a"), more_authors: more ? parseInt(more[1], 10) : 0,
          groups: Array.prototype.map.call(element.querySelectorAll(".group-label"), function (a) {
            var tone = (/tone-(\d+)/.exec(a.className) || ["", "1"])[1];
            return [a.textContent.trim(), a.getAttribute("href"), parseInt(tone, 10)];
          }),
          topics: pairs(".topic-label"),
          links: Array.prototype.map.call(element.querySelectorAll(".paper-links a"), function (a) {
            return [a.className.replace(/^link-/, ""), a.textContent.trim(), a.getAttribute("href")];
          }),
          summary: Array.prototype.map.call(element.querySelectorAll(".summary dd"), function (dd) { return dd.innerHTML; }),
          onPage: true
        }
      };
    }

    function pageSource() {
      return {
        postings: function (param, value) {
          return Promise.resolve(pageCards.filter(function (card) {
            return card.values[param].indexOf(value) !== -1;
          }).map(function (card) { return card.number; }));
        },
        records: function (numbers) { // a card's record has its summary
          return Promise.resolve(numbers.map(function (number) { return pageCards[number].record; }));
        },
        summary: function (number) { return Promise.resolve(pageCards[number].record.summary); },
        order: function (name) {
          var key = name === "added" ? function (card) { return card.record.added; } : null;
          var sorted = pageCards.slice();
          if (key) sorted.sort(function (a, b) { return key(b) < key(a) ? -1 : key(b) > key(a) ? 1 : a.number - b.number; });
          else sorted.sort(function (a, b) { return a.record.title.toLowerCase().localeCompare(b.record.title.toLowerCase()) || a.number - b.number; });
          return Promise.resolve(sorted.map(function (card) { return card.number; }));
        },
        lookUp: function (key) {
          return Promise.resolve(pageCards.filter(function (card) {
            if (!card.keys) { // worked out once a card, when the first lookup asks
              card.keys = ["paper:" + card.record.id, titleKey(card.record.title)];
              card.record.links.forEach(function (link) { card.keys = card.keys.concat(keysOfLink(link[2])); });
            }
            return card.keys.indexOf(key) !== -1;
          }).map(function (card) { return card.number; }));
        }
      };
    }

    /* The word index is there when the build made one: search/words.json says how it is split (render/search.py). */
    function loadSearch() {
      if (!canFetch) return Promise.resolve(null);
      if (!searchIndex) searchIndex = readJson(dataBase + "words.json").catch(function () { return null; });
      return searchIndex;
    }

    /* The mask bits of these parts of a record (bit i: the index's part i, as search/words.json names them). */
    function partBits(index, names) {
      return names.reduce(function (bits, name) { return bits | 1 << index.parts.indexOf(name); }, 0);
    }

    /* A promise of what the index holds for a key: a Map of paper number -> the mask of the parts it is in. */
    function postingsOf(index, family, key) {
      var path = dataBase + family + "-" + keyHash(key) % index.files[family] + ".json";
      return readJson(path).then(function (content) {
        var found = new Map();
        if (!Object.prototype.hasOwnProperty.call(content, key)) return found;
        var values = content[key];
        var number = 0;
        for (var i = 0; i < values.length; i += 1) {
          var mask = values[i] % 64;
          number += (values[i] - mask) / 64;
          found.set(number, mask);
        }
        return found;
      });
    }

    /* ---- Exact lookups: an identifier, a paper id or a whole title names one paper ---- */

    /* A promise of the numbers of the papers the keys name, in the order of the keys. */
    function lookUp(keys) {
      return Promise.all(keys.map(source.lookUp)).then(function (lists) {
        var numbers = [];
        lists.forEach(function (list) {
          list.forEach(function (number) { if (numbers.indexOf(number) === -1) numbers.push(number); });
        });
        return numbers;
      });
    }

    /* ---- Word search ---- */

    function wordsOfCard(card) {
      if (card.text === null) card.text = fold(card.element.textContent).split(/\s+/).map(function (word) {
        return word.replace(/[^\p{L}\p{N}]/gu, "");
      }).filter(Boolean);
      return card.text;
    }

    /* Without the index: the cards of this page that have, for every word of the query, a word that begins
       with it. */
    function matchText(terms) {
      var found = pageCards.filter(function (card) {
        var words = wordsOfCard(card);
        return terms.every(function (term) {
          return words.some(function (word) { return word.indexOf(term) === 0; });
        });
      }).map(function (card) { return { number: card.number, keys: null, parts: [] }; });
      found.pageOnly = !allOnPage;
      return found;
    }

    /* A promise of the papers that have every word of the query (or a word with the same stem), best first:
       [{ number, keys (the query's keys, to mark them), parts (where they were found) }]. A phrase in quotes
       also needs each two words side by side. Papers with more of the words in their title come first, then
       those with more of them side by side in the title, then those whose title begins with the first word,
       then those with more in the title, topics or authors, then side by side anywhere; the newest first
       among equals. */
    function searchWords(query) {
      var words = queryWords(query);
      if (!words.length) return Promise.resolve([]);
      var phrase = /^\s*".+"\s*$/.test(query);
      return loadSearch().then(function (index) {
        if (!index) return matchText(words);
        var keys = words.map(function (word) { return index.stemmer ? stem(word) : word; });
        var pairs = [];
        for (var i = 1; i < keys.length; i += 1) pairs.push(keys[i - 1] + " " + keys[i]);
        var unique = function (list) { return list.filter(function (key, at) { return list.indexOf(key) === at; }); };
        var start = "^ " + keys[0]; // a title that begins with the query's first word
        keys = unique(keys);
        pairs = unique(pairs);
        return Promise.all([Promise.all(keys.map(function (key) { return postingsOf(index, "words", key); })),
          Promise.all(pairs.map(function (pair) { return postingsOf(index, "pairs", pair); })),
          postingsOf(index, "pairs", start)]).then(function (loaded) {
          var lists = loaded[0];
          var pairLists = loaded[1];
          var startsTitle = loaded[2];
          var rarest = lists.reduce(function (a, b) { return b.size < a.size ? b : a; });
          var found = [];
          rarest.forEach(function (unused, number) {
            var masks = lists.map(function (list) { return list.get(number); });
            if (masks.indexOf(undefined) !== -1) return;
            var pairMasks = pairLists.map(function (list) { return list.get(number) || 0; });
            if (phrase && pairMasks.indexOf(0) !== -1) return;
            var count = function (list, bits) { return list.filter(function (mask) { return mask & bits; }).length; };
            var inTitle = partBits(index, ["title"]);
            var all = masks.concat(pairMasks).reduce(function (a, b) { return a | b; }, 0);
            found.push({
              number: number, keys: keys, stemmed: Boolean(index.stemmer),
              parts: index.labels.filter(function (name, bit) { return all & (1 << bit); }), // in the catalog's words
              rank: [count(masks, inTitle), count(pairMasks, inTitle), startsTitle.has(number) ? 1 : 0,
                count(masks, partBits(index, ["title", "authors", "topics"])), count(pairMasks, -1)]
            });
          });
          return found.sort(function (a, b) {
            for (var at = 0; at < a.rank.length; at += 1) if (a.rank[at] !== b.rank[at]) return b.rank[at] - a.rank[at];
            return a.number - b.number;
          });
        });
      });
    }

    /* ---- The papers a view shows, and each option's count ---- */

    /* A promise of { numbers (the papers shown, in order), counts (a function that starts working out facet NUL
       value -> papers, and gives a promise of it) }. The numbers need only the postings of the chosen options; the
       counts need every listed option's, so they are read once the papers' own files have been asked for. */
    function narrow(answer, selected, sort) {
      var chosenKeys = [];
      Object.keys(selected).forEach(function (param) {
        selected[param].forEach(function (value) { chosenKeys.push([param, value]); });
      });
      var ordering = answer && sort === "" ? null : sort === "added" || sort === "title" ? source.order(sort) : null;
      return Promise.all([Promise.all(chosenKeys.map(function (key) { return source.postings(key[0], key[1]); })),
        ordering]).then(function (loaded) {
        var chosen = {}; // facet -> which papers its choices allow
        chosenKeys.forEach(function (key, position) {
          var allowed = chosen[key[0]] || (chosen[key[0]] = new Uint8Array(total));
          loaded[0][position].forEach(function (number) { allowed[number] = 1; });
        });
        var inQuery = null;
        if (answer) {
          inQuery = new Uint8Array(total);
          answer.exact.concat(answer.items.map(function (item) { return item.number; }))
            .forEach(function (number) { inQuery[number] = 1; });
        }
        var passes = function (number, except) {
          if (inQuery && !inQuery[number]) return false;
          for (var param in chosen) {
            if (param !== except && !chosen[param][number]) return false;
          }
          return true;
        };
        var numbers = [];
        if (answer && sort === "") {
          var seen = new Set();
          answer.exact.concat(answer.items.map(function (item) { return item.number; })).forEach(function (number) {
            if (!seen.has(number) && passes(number, null)) numbers.push(number);
            seen.add(number);
          });
        } else if (loaded[1]) {
          loaded[1].forEach(function (number) { if (passes(number, null)) numbers.push(number); });
        } else {
          for (var number = 0; number < total; number += 1) if (passes(number, null)) numbers.push(number);
        }
        if (answer && sort !== "") { // the exact matches first, in any order
          var exact = answer.exact.filter(function (number) { return passes(number, null); });
          numbers = exact.concat(numbers.filter(function (number) { return exact.indexOf(number) === -1; }));
        }
        var counts = function () {
          var shownBoxes = boxes();
          return Promise.all(shownBoxes.map(function (box) { return source.postings(box.name, box.value); }))
            .then(function (lists) {
              var counted = {};
              shownBoxes.forEach(function (box, position) {
                var count = 0;
                lists[position].forEach(function (number) { if (passes(number, box.name)) count += 1; });
                counted[box.name + "\u0000" + box.value] = count;
              });
              return counted;
            });
        };
        return { numbers: numbers, counts: counts };
      });
    }

    function showCounts(counts) {
      boxes().forEach(function (box) {
        var label = box.nextElementSibling;
        var countElement = label && label.querySelector("[data-count]");
        if (!countElement) return;
        if (!countElement.hasAttribute("data-all")) countElement.setAttribute("data-all", countElement.textContent);
        var count = counts ? counts[box.name + "\u0000" + box.value] : parseInt(countElement.getAttribute("data-all"), 10);
        countElement.textContent = String(count);
        box.parentNode.classList.toggle("is-empty", count === 0 && !box.checked);
      });
    }

    /* ---- Showing papers ---- */

    function element(tag, className, text) {
      var made = document.createElement(tag);
      if (className) made.className = className;
      if (text) made.textContent = text;
      return made;
    }

    function link(text, href, className) {
      var made = element("a", className || "", text);
      made.setAttribute("href", href);
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

    /* Whether a word begins with a word of the query (the highlighting without the index). */
    function prefixMarker(terms) {
      return function (position, word) {
        var folded = normalWord(word);
        return folded !== "" && terms.some(function (term) { return folded.indexOf(term) === 0; });
      };
    }

    /* Whether a word holds one of the query's keys, as the index reads it. */
    function keyMarker(keys, stemmed) {
      return function (position, word) {
        return wordKeys(word, stemmed).some(function (key) { return keys.indexOf(key) !== -1; });
      };
    }

    function fillSnippet(snippet, words, start, marked) {
      snippet.textContent = "";
      if (!words.length) return;
      var end = Math.min(words.length, start + SNIPPET_WORDS);
      if (start > 0) snippet.appendChild(document.createTextNode("… "));
      appendWords(snippet, words.slice(start, end), start, marked);
      if (end < words.length) snippet.appendChild(document.createTextNode(" …"));
    }

    /* Fill in a search result's title, with the query's words marked, and where they were found; then, once its
       summary is read (the results do not wait for it), a snippet of the summary. */
    function describe(item, record, title, snippet, why) {
      var marker = item.keys ? keyMarker(item.keys, item.stemmed) : prefixMarker(queryWords(input.value));
      title.textContent = "";
      appendWords(title, record.title.split(/\s+/), 0, marker);
      why.textContent = item.parts && item.parts.length ? "Found in the " + item.parts.join(", ") : "";
      var summary = record.summary ? Promise.resolve(record.summary) : source.summary(item.number);
      summary.then(function (parts) {
        var holder = document.createElement("div");
        var words = [];
        (parts || []).forEach(function (part) {
          holder.innerHTML = part; // the build's own HTML of the summary (Markdown without raw HTML)
          words = words.concat(holder.textContent.trim().split(/\s+/));
        });
        var at = Math.max(0, words.findIndex(function (word, position) { return marker(position, word); }));
        fillSnippet(snippet, words, Math.max(0, at - 8), marker);
      }, function () { /* the summary could not be read: the result shows without its snippet */ });
    }

    function metaLine(record, withLinks) {
      var meta = element("p", "paper-meta");
      var time = element("time", "", record.date_text);
      time.setAttribute("datetime", record.date);
      meta.appendChild(time);
      if (record.venue) {
        meta.appendChild(document.createTextNode(" · "));
        meta.appendChild(withLinks ? link(record.venue[0], record.venue[1]) : document.createTextNode(record.venue[0]));
      }
      return meta;
    }

    function authorLine(record, withLinks) {
      var authors = element("p", "paper-authors");
      record.authors.forEach(function (author, position) {
        if (position > 0) authors.appendChild(document.createTextNode(", "));
        authors.appendChild(withLinks ? link(author[0], author[1]) : document.createTextNode(author[0]));
      });
      if (record.more_authors) authors.appendChild(document.createTextNode(" and " + record.more_authors + " more"));
      return authors;
    }

    /* A search result: one link, to the paper's page; the matched words marked. */
    function searchItem(item, record, exact) {
      var li = element("li", "result");
      li.setAttribute("data-paper", record.id);
      if (exact) li.appendChild(element("p", "result-exact", exact));
      var heading = element("h3", "paper-title");
      var titleLink = link(record.title, record.path);
      heading.appendChild(titleLink);
      li.appendChild(heading);
      li.appendChild(metaLine(record, false));
      if (record.authors.length) li.appendChild(authorLine(record, false));
      if (record.topics.length) {
        li.appendChild(element("p", "result-topics", record.topics.map(function (topic) { return topic[0]; }).join(" · ")));
      }
      var snippet = element("p", "result-snippet");
      var why = element("p", "result-why");
      li.appendChild(snippet);
      li.appendChild(why);
      describe(item, record, titleLink, snippet, why);
      return li;
    }

    /* A paper of a filtered list: its card, as templates/site/card.html lays it out. */
    function cardItem(record) {
      var li = element("li", "result");
      li.setAttribute("data-paper", record.id);
      var card = element("article", "paper-card");
      var heading = element("h3", "paper-title");
      heading.appendChild(link(record.title, record.path));
      card.appendChild(heading);
      card.appendChild(metaLine(record, true));
      if (record.authors.length) card.appendChild(authorLine(record, true));
      var labels = element("ul", "labels");
      record.groups.forEach(function (group) {
        var item = element("li");
        item.appendChild(link(group[0], group[1], "label group-label tone-" + group[2]));
        labels.appendChild(item);
      });
      record.topics.forEach(function (topic) {
        var item = element("li");
        item.appendChild(link(topic[0], topic[1], "label topic-label"));
        labels.appendChild(item);
      });
      card.appendChild(labels);
      var summary = element("dl", "summary");
      summaryLabels.forEach(function (name, position) {
        summary.appendChild(element("dt", "", name));
        var part = element("dd");
        part.innerHTML = record.summary ? record.summary[position] : ""; // the build's own HTML (Markdown, no raw HTML)
        summary.appendChild(part);
      });
      card.appendChild(summary);
      var links = element("ul", "paper-links");
      record.links.forEach(function (each) {
        var item = element("li");
        item.appendChild(link(each[1], each[2], "link-" + each[0].toLowerCase()));
        links.appendChild(item);
      });
      card.appendChild(links);
      li.appendChild(card);
      return li;
    }

    function showNote(identifier, exactNumbers) {
      lookupNote.textContent = "";
      lookupNote.hidden = !(identifier && exactNumbers.length === 0);
      if (lookupNote.hidden) return;
      var label = identifier.kind + " " + identifier.id;
      lookupNote.appendChild(element("p", "", label + " is not in this catalog."));
      var how = element("p", "");
      how.appendChild(document.createTextNode("To add it, create its paper file"));
      if (identifier.kind === "arXiv") {
        how.appendChild(document.createTextNode(" with "));
        how.appendChild(element("code", "", "headcat new --arxiv " + identifier.id + " --head \"" + topicExample + "\""));
      }
      how.appendChild(document.createTextNode(" ("));
      how.appendChild(link("how to add a paper", form.getAttribute("data-contribute") || ""));
      how.appendChild(document.createTextNode(")"));
      var repository = form.getAttribute("data-new-paper");
      if (repository) {
        var fields = identifier.kind === "arXiv" ? "arxiv: \"" + identifier.id + "\"\n"
          : identifier.kind === "DOI" ? "doi: " + identifier.id + "\n" : "links:\n  paper: " + input.value.trim() + "\n";
        var start = "title: \ndate: \nadded: \nauthors: []\nheads: []\n" + fields +
          "summary:\n  innovation: \n  tasks: \n  result: \n";
        how.appendChild(document.createTextNode(" or "));
        how.appendChild(link("propose it on GitHub", repository + "?filename=" + encodeURIComponent("new-paper.yaml") +
          "&value=" + encodeURIComponent(start)));
      }
      how.appendChild(document.createTextNode("."));
      lookupNote.appendChild(how);
    }

    function announce(message) {
      if (message !== lastAnnouncement) {
        status.textContent = message;
        lastAnnouncement = message;
      }
    }

    /* Show the papers `found` ({ numbers }) for `answer` ({ query, identifier, exact, items } or null). */
    function show(answer, found) {
      var byNumber = {};
      if (answer) answer.items.forEach(function (item) { byNumber[item.number] = item; });
      var exact = answer ? answer.exact : [];
      var shown = found.numbers.slice(0, shownLimit);
      // Summaries are read for the cards; a search result's snippet reads its own once the results are shown.
      var withSummaries = !answer && currentView() !== "compact";
      return source.records(shown, withSummaries).then(function (records) {
        var items = records.map(function (record, position) {
          var number = shown[position];
          var mark = exact.indexOf(number) !== -1
            ? "Exact match" + (answer.identifier ? ": " + answer.identifier.kind + " " + answer.identifier.id : "") : "";
          return answer ? searchItem(byNumber[number] || { number: number, keys: null, parts: [] }, record, mark) : cardItem(record);
        });
        resultList.textContent = "";
        items.forEach(function (item) { resultList.appendChild(item); });
        catalogList.hidden = true;
        resultList.hidden = false;
        moreButton.hidden = found.numbers.length <= shownLimit;
        showNote(answer ? answer.identifier : null, exact);
        noResults.hidden = found.numbers.length !== 0;
        var query = answer ? answer.query.trim() : "";
        var scope = allOnPage ? "" : !canFetch ? " on this page (opened from disk: serve the site to search all of it)"
          : answer && answer.items.pageOnly ? " on this page (the search index could not be read)" : "";
        announce(query && found.numbers.length === 0 ? "No paper matches “" + query + "”" + scope
          : found.numbers.length > shown.length // a page of them: say how many match, and how many are shown
            ? found.numbers.length + " of " + plural(total, "paper") + " match" + scope + "; showing the first " + shown.length
            : "Showing " + found.numbers.length + " of " + plural(total, "paper") + scope);
      });
    }

    function showCatalog() {
      showCounts(null);
      resultList.hidden = true;
      resultList.textContent = "";
      moreButton.hidden = true;
      lookupNote.hidden = true;
      noResults.hidden = true;
      catalogList.hidden = false;
      announce(initialStatus);
    }

    /* A promise of the answer to a query: the papers it names exactly, then those with all its words. */
    function answerQuery(query) {
      if (!query.trim()) return Promise.resolve(null);
      var identifier = parseIdentifier(query);
      return Promise.all([lookUp(lookupKeys(query, identifier)), searchWords(query)]).then(function (found) {
        return { query: query, identifier: identifier, exact: found[0], items: found[1] };
      });
    }

    function writeUrl(query, selected, sort, view) {
      var params = new URLSearchParams();
      if (query.trim()) params.set("q", query.trim());
      if (sort) params.set("sort", sort);
      if (view) params.set("view", view);
      FACETS.forEach(function (facet) {
        (selected[facet.param] || []).forEach(function (value) { params.append(facet.param, value); });
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
      var view = form.querySelector("input[name=view][value=\"" + (params.get("view") === "compact" ? "compact" : "") + "\"]");
      if (view) view.checked = true;
      boxes().forEach(function (box) {
        box.checked = params.getAll(box.name).indexOf(box.value) !== -1;
        if (box.checked) {
          var facet = box.closest("details");
          if (facet) facet.open = true;
          if (panelToggle) openPanel(true);
        }
      });
      return params;
    }

    function update(options) {
      var query = input.value;
      var selected = selectedFilters();
      var sort = sortSelect.value;
      var view = currentView();
      applyView(view);
      if (!options || options.writeUrl !== false) writeUrl(query, selected, sort, view);
      if (!options || !options.keepLimit) shownLimit = PAGE_SIZE;
      var run = ++queryRun;
      resultList.setAttribute("aria-busy", "true"); // until this query's results are shown
      filterList.setAttribute("aria-busy", "true"); // until the options' counts are this query's
      var done = function () { if (run === queryRun) resultList.setAttribute("aria-busy", "false"); };
      var counted = function () { if (run === queryRun) filterList.setAttribute("aria-busy", "false"); };
      if (!query.trim() && !Object.keys(selected).length && sort === "") {
        showCatalog();
        done();
        counted();
        return Promise.resolve();
      }
      var pending = lastAnswer && lastAnswer.query === query ? Promise.resolve(lastAnswer.answer) : answerQuery(query);
      return pending.then(function (answer) {
        if (run !== queryRun) return null;
        lastAnswer = { query: query, answer: answer };
        return narrow(answer, selected, sort).then(function (found) {
          if (run !== queryRun) return null;
          var shown = show(answer, found); // asks for the papers' files first
          var counts = found.counts().then(function (counts) { if (run === queryRun) showCounts(counts); });
          return shown.then(function () {
            done(); // the papers are shown; the counts follow when their files are in
            return counts;
          });
        });
      }).then(function () { done(); counted(); }, function () {
        if (run !== queryRun) return;
        showCatalog();
        announce("The search could not be done: the site's search files could not be read.");
        done();
        counted();
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

    function loadOptions(narrowBox) {
      var path = narrowBox.getAttribute("data-options");
      if (!path || !canFetch) return Promise.resolve([]);
      return readJson(path).catch(function () { return []; });
    }

    /* Give the facet a checkbox for each of `values` it does not list yet (from its options file). */
    function addOptions(details, values) {
      var narrowBox = details.querySelector(".facet-narrow");
      var list = details.querySelector(".facet-options");
      if (!narrowBox || !list) return Promise.resolve(false);
      var facet = details.getAttribute("data-facet");
      return loadOptions(narrowBox).then(function (options) {
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
      var narrowBox = details.querySelector(".facet-narrow");
      if (!narrowBox) return;
      narrowBox.addEventListener("input", function () {
        var typed = fold(narrowBox.value.trim());
        var list = details.querySelector(".facet-options");
        var found = function (label) { return typed === "" || fold(label).indexOf(typed) !== -1; };
        var more = typed === "" ? Promise.resolve([]) : loadOptions(narrowBox).then(function (options) {
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
      narrowBox.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
    }

    form.querySelectorAll("[data-facet]").forEach(setupNarrowing);

    // The index starts loading when the reader comes to the search box, not when the page loads.
    input.addEventListener("focus", function () { loadSearch(); });

    var typingTimer = 0;
    var lastInput = -Infinity;
    input.addEventListener("input", function () {
      var terms = queryWords(input.value);
      if (searchIndex && terms.length) { // the index's file for the word being typed, while the reader types
        searchIndex.then(function (index) {
          var last = terms[terms.length - 1];
          if (index) postingsOf(index, "words", index.stemmer ? stem(last) : last).catch(function () { /* read again when asked */ });
        });
      }
      // The first input after a pause is searched at once (a pasted query, the first letter); the ones that follow
      // it quickly wait until the typing pauses, and a search that is overtaken is dropped (queryRun).
      var now = window.performance.now();
      var idle = now - lastInput > TYPING_PAUSE;
      lastInput = now;
      window.clearTimeout(typingTimer);
      if (idle) update();
      else typingTimer = window.setTimeout(update, TYPING_PAUSE);
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.type === "checkbox" || target.type === "radio" || target === sortSelect) update();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(typingTimer);
      update();
    });
    form.addEventListener("reset", function () {
      // The form clears its fields after this event; update once it has.
      window.setTimeout(function () {
        form.querySelectorAll(".facet-narrow").forEach(function (narrowBox) {
          narrowBox.dispatchEvent(new Event("input"));
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
    return addChosenOptions(params).then(function () {
      readUrl();
      return window.location.search ? update({ writeUrl: false }) : null;
    });
  }

  /* ---- The view: cards with summaries, or a compact list (?view=compact), on every list of papers ---- */

  function applyView(view) {
    document.querySelectorAll("[data-view-scope]").forEach(function (scope) {
      scope.classList.toggle("view-compact", view === "compact");
    });
    document.querySelectorAll("[data-view]").forEach(function (anchor) {
      if (anchor.getAttribute("data-view") === view) anchor.setAttribute("aria-current", "true");
      else anchor.removeAttribute("aria-current");
    });
    // The links to the other pages of a list keep the view.
    document.querySelectorAll(".pager a").forEach(function (anchor) {
      var plain = anchor.getAttribute("data-href") || anchor.getAttribute("href");
      anchor.setAttribute("data-href", plain);
      anchor.setAttribute("href", view === "compact" ? plain + "?view=compact" : plain);
    });
  }

  // What the build and this script must compute alike (render/lookup.py), for tools and tests to compare.
  window.headcatKeys = { titleKey: titleKey, keyHash: keyHash, parseIdentifier: parseIdentifier, stem: stem, wordKeys: wordKeys };

  /* A list's own switch between the views: the page shows the view chosen, and its address keeps it. */
  function setupViewSwitch() {
    document.querySelectorAll("[data-view]").forEach(function (anchor) {
      anchor.addEventListener("click", function (event) {
        event.preventDefault();
        var view = anchor.getAttribute("data-view");
        var params = new URLSearchParams(window.location.search);
        if (view) params.set("view", view);
        else params.delete("view");
        var search = params.toString();
        window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
        applyView(view);
      });
    });
  }

  function start() {
    setupCopyButtons();
    setupViewSwitch();
    applyView(new URLSearchParams(window.location.search).get("view") === "compact" ? "compact" : "");
    var form = document.getElementById("filters");
    Promise.resolve(form ? setupBrowse(form) : null).then(function () { window.headcatReady = true; });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
