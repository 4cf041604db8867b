/* kensaku search page: suggestions and results as you type, safe with Japanese IMEs.
 *
 * Progressive enhancement: without this script the form, the facet links and the pager do
 * everything. With it, the query box becomes an ARIA combobox (WAI-ARIA APG "list autocomplete"):
 * typing shows completions, ArrowDown/ArrowUp move through them, Enter picks one, Escape closes
 * the list; and the results region is refreshed, keeping the filters and the order chosen. Both
 * come in one request per pause in typing, /search?…&partial=1: the same server-rendered HTML as a
 * full page, plus the suggestions (the ones /api/suggest gives) in a <template>.
 *
 * IME (bug case BC19): while a composition is open (compositionstart … compositionend) nothing
 * is requested and keys belong to the IME: a keydown with isComposing or keyCode 229 (Safari
 * sends the confirming Enter after compositionend with 229) never picks a suggestion or
 * submits. When the composition ends, one request is made for the committed text.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var NARROW = "(max-width: 48rem)";
  var KIND_LABELS = { tag: "タグ", category: "カテゴリー", term: "語", title: "記事" };

  var form = document.querySelector("form.search-form");
  var input = form && form.querySelector("#q");
  var list = form && form.querySelector("#q-suggestions");
  if (!form || !input || !list) return;
  var status = form.querySelector("#q-status");

  var composing = false;
  var timer = 0;
  var controller = null;
  var shownQuery = input.value.trim();
  var options = [];
  var active = -1;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function announce(text) {
    if (status) status.textContent = text;
  }

  function isSafeUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:";
    } catch (e) {
      return false;
    }
  }

  function setActive(index) {
    if (active >= 0 && options[active]) options[active].li.setAttribute("aria-selected", "false");
    active = index;
    if (active >= 0 && options[active]) {
      var li = options[active].li;
      li.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function closeList() {
    setActive(-1);
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function choose(index) {
    var s = options[index] && options[index].suggestion;
    if (!s) return;
    closeList();
    if (s.kind === "title" && s.url && isSafeUrl(s.url)) {
      window.location.href = s.url;
      return;
    }
    input.value = s.query;
    cancel();
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function renderSuggestions(suggestions) {
    list.replaceChildren();
    options = suggestions.map(function (s, i) {
      var li = document.createElement("li");
      li.id = "q-suggestion-" + i;
      li.className = "suggestion suggestion-" + s.kind;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      var text = document.createElement("span");
      text.className = "suggestion-text";
      text.textContent = s.kind === "title" ? s.text : s.query;
      var kind = document.createElement("span");
      kind.className = "suggestion-kind";
      kind.textContent = KIND_LABELS[s.kind] || "";
      li.append(text, kind);
      li.addEventListener("mousedown", function (event) { event.preventDefault(); });
      li.addEventListener("click", function () { choose(i); });
      list.append(li);
      return { li: li, suggestion: s };
    });
    active = -1;
    input.removeAttribute("aria-activedescendant");
    var open = options.length > 0 && document.activeElement === input;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
  }

  /* Facet groups: all open beside the results on a wide screen; on a narrow one, where they
   * stand above the results, only those with a selection. */
  function compactFacets(root) {
    if (!window.matchMedia) return;
    var narrow = window.matchMedia(NARROW).matches;
    root.querySelectorAll("details.facet").forEach(function (details) {
      var selected = details.querySelector("[aria-current]") ||
        Array.prototype.some.call(details.querySelectorAll(".date-range input[type=text]"), function (i) { return i.value; });
      details.open = narrow ? Boolean(selected) : true;
    });
  }

  function cancel() {
    clearTimeout(timer);
    timer = 0;
    if (controller) controller.abort();
    controller = null;
  }

  function schedule(force) {
    clearTimeout(timer);
    timer = setTimeout(function () { run(force); }, DEBOUNCE_MS);
  }

  function run(force) {
    timer = 0;
    if (composing) return;
    var q = input.value.trim();
    if (!q) {
      cancel();
      renderSuggestions([]);
      return;
    }
    if (!force && q === shownQuery) return;
    if (controller) controller.abort();
    controller = new AbortController();
    var signal = controller.signal;
    var params = new URLSearchParams(new FormData(form));
    params.set("q", q);

    var region = document.getElementById("results-region");
    if (!region) return;
    var partial = new URLSearchParams(params);
    partial.set("partial", "1");
    fetch(form.action + "?" + partial.toString(), { signal: signal, headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (composing) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var data = doc.getElementById("q-suggestions-data");
        var suggestions = [];
        if (data) {
          suggestions = Array.prototype.map.call(data.content.querySelectorAll("li"), function (li) {
            return { kind: li.getAttribute("data-kind"), query: li.getAttribute("data-query"),
                     url: li.getAttribute("data-url"), text: li.textContent };
          });
          data.remove();
        }
        renderSuggestions(suggestions);
        region.replaceChildren.apply(region, Array.prototype.slice.call(doc.body.childNodes));
        compactFacets(region);
        shownQuery = q;
        var count = region.querySelector(".result-count strong");
        announce(count ? "検索結果 " + count.textContent : "");
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", form.action + "?" + params.toString());
        }
      })
      .catch(function () {});
  }

  input.addEventListener("compositionstart", function () {
    composing = true;
    cancel();
    closeList();
  });
  input.addEventListener("compositionend", function () {
    composing = false;
    schedule(true);
  });
  input.addEventListener("input", function (event) {
    if (event.isComposing || composing) return;
    schedule(false);
  });
  input.addEventListener("keydown", function (event) {
    if (event.isComposing || event.keyCode === 229 || composing) return; // the IME's key
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!options.length) return;
        event.preventDefault();
        if (list.hidden) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next >= options.length) next = 0;
        if (next < -1) next = options.length - 1;
        if (next === -1 && step < 0 && active === -1) next = options.length - 1;
        setActive(next);
        break;
      case "Enter":
        if (active >= 0 && !list.hidden) {
          event.preventDefault();
          choose(active);
        } else {
          cancel();
        }
        break;
      case "Escape":
        if (!list.hidden) {
          event.preventDefault();
          closeList();
        }
        break;
      default:
    }
  });
  input.addEventListener("blur", closeList);
  form.addEventListener("submit", function (event) {
    if (composing) {
      event.preventDefault();
      return;
    }
    cancel();
  });
  compactFacets(document);
})();
