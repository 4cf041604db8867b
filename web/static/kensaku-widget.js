/* kensaku embeddable search box: drop it into any page of your site.
 *
 *   <div id="kensaku-search"></div>
 *   <script src="https://search.example.com/static/kensaku-widget.js"
 *           data-target="#kensaku-search" defer></script>
 *
 * The box shows results as you type, read from the kensaku app this script was loaded from (its
 * origin and path are taken from the script's own src), so the app must allow the page's origin
 * (kensaku serve --cors-origin https://blog.example.com). Enter opens the app's full results page.
 *
 * Options (data-* attributes on the script tag): data-target (CSS selector of the element to
 * fill; default: a new element just before the script), data-placeholder, data-label (the box's
 * label, default サイト内検索), data-per-page (results shown, 1-10, default 5).
 *
 * Safe on any page: everything lives in a shadow root styled by kensaku-widget.css; post text is
 * inserted as text nodes only (the <mark> highlights are rebuilt, nothing else of the server's
 * HTML is kept); no inline script or style, so a strict CSP that allows the app's origin for
 * script-src, style-src and connect-src is enough. IME-safe like the app's own box: nothing is
 * requested while a composition is open, and the Enter that confirms a conversion does nothing.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) return;
  var DEBOUNCE_MS = 250;
  var staticBase = new URL(".", script.src);
  var appBase = new URL("..", staticBase);
  var perPage = Math.min(10, Math.max(1, parseInt(script.getAttribute("data-per-page") || "5", 10) || 5));
  var labelText = script.getAttribute("data-label") || "サイト内検索";
  var placeholder = script.getAttribute("data-placeholder") || "キーワードを入力";
  var instance = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* Escaped text + <mark> from the API → DOM nodes: text stays text, <mark> stays <mark>, any
   * other element is flattened to its text. The parsed document is inert (no scripts, no loads). */
  function marked(html) {
    var fragment = document.createDocumentFragment();
    var doc = new DOMParser().parseFromString("<!doctype html><body>" + (html || ""), "text/html");
    Array.prototype.forEach.call(doc.body.childNodes, function (node) {
      if (node.nodeName === "MARK") fragment.append(el("mark", "", node.textContent));
      else fragment.append(document.createTextNode(node.textContent || ""));
    });
    return fragment;
  }

  function safeHref(url) {
    try {
      var parsed = new URL(url, document.baseURI);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function mount(host) {
    instance += 1;
    var id = "kensaku-q-" + instance;
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var style = el("link");
    style.rel = "stylesheet";
    style.href = new URL("kensaku-widget.css", staticBase).href;
    var form = el("form", "kensaku-form");
    form.setAttribute("role", "search");
    form.action = new URL("search", appBase).href;
    form.method = "get";
    var label = el("label", "kensaku-label", labelText);
    label.htmlFor = id;
    var row = el("div", "kensaku-row");
    var input = el("input", "kensaku-input");
    input.type = "search";
    input.id = id;
    input.name = "q";
    input.placeholder = placeholder;
    input.autocomplete = "off";
    input.setAttribute("enterkeyhint", "search");
    input.setAttribute("aria-controls", id + "-results");
    var button = el("button", "kensaku-button", "検索");
    button.type = "submit";
    row.append(input, button);
    var status = el("p", "kensaku-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var results = el("ul", "kensaku-results");
    results.id = id + "-results";
    results.setAttribute("aria-label", "検索結果");
    results.hidden = true;
    var more = el("a", "kensaku-more");
    more.hidden = true;
    form.append(label, row, status, results, more);
    root.append(style, form);

    var composing = false;
    var timer = 0;
    var controller = null;

    function clear(message) {
      results.replaceChildren();
      results.hidden = true;
      more.hidden = true;
      status.textContent = message || "";
    }

    function render(body, q) {
      results.replaceChildren();
      (body.hits || []).forEach(function (hit) {
        var li = el("li", "kensaku-hit");
        var href = safeHref(hit.url);
        var title = el(href ? "a" : "span", "kensaku-title");
        if (href) title.href = href;
        title.append(hit.title ? marked(hit.title_html) : document.createTextNode("（無題）"));
        li.append(title);
        if (hit.date) li.append(el("time", "kensaku-date", hit.date.slice(0, 10)));
        var section = (hit.sections || [])[0];
        var sectionHref = section && section.heading ? safeHref(section.url) : null;
        if (sectionHref) {
          var heading = el("a", "kensaku-section", "§ " + section.heading);
          heading.href = sectionHref;
          li.append(heading);
        }
        if (hit.snippet_html) {
          var snippet = el("p", "kensaku-snippet");
          snippet.append(marked(hit.snippet_html));
          li.append(snippet);
        }
        results.append(li);
      });
      results.hidden = !results.children.length;
      status.textContent = body.total ? body.total + "件" : "「" + q + "」に一致する記事はありません";
      if (body.total > (body.hits || []).length) {
        more.href = new URL("search?" + new URLSearchParams({ q: q }).toString(), appBase).href;
        more.textContent = "すべての結果を見る（" + body.total + "件）";
        more.hidden = false;
      } else {
        more.hidden = true;
      }
    }

    function run() {
      timer = 0;
      if (composing) return;
      var q = input.value.trim();
      if (controller) controller.abort();
      controller = null;
      if (!q) {
        clear();
        return;
      }
      controller = new AbortController();
      var params = new URLSearchParams({ q: q, per_page: String(perPage), analytics: "false" });
      fetch(new URL("api/search?" + params.toString(), appBase).href,
            { signal: controller.signal, mode: "cors", credentials: "omit" })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (composing) return;
          if (body.ok) render(body, q);
          else clear(body.error);
        })
        .catch(function (error) {
          if (error && error.name === "AbortError") return;
          clear("検索できませんでした");
        });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(run, DEBOUNCE_MS);
    }

    function links() {
      return Array.prototype.slice.call(results.querySelectorAll("a.kensaku-title")).concat(more.hidden ? [] : [more]);
    }

    input.addEventListener("compositionstart", function () {
      composing = true;
      clearTimeout(timer);
      if (controller) controller.abort();
      controller = null;
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      schedule();
    });
    input.addEventListener("input", function (event) {
      if (event.isComposing || composing) return;
      schedule();
    });
    input.addEventListener("keydown", function (event) {
      if (event.isComposing || event.keyCode === 229 || composing) {
        if (event.key === "Enter") event.preventDefault(); // the IME confirms; nothing else
        return;
      }
      if (event.key === "ArrowDown" && links().length) {
        event.preventDefault();
        links()[0].focus();
      } else if (event.key === "Escape") {
        clear();
      }
    });
    form.addEventListener("keydown", function (event) {
      if (event.target === input) return;
      var all = links();
      var at = all.indexOf(event.target);
      if (at < 0) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        var next = at + (event.key === "ArrowDown" ? 1 : -1);
        if (next < 0) input.focus();
        else all[Math.min(next, all.length - 1)].focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        input.focus();
      }
    });
    form.addEventListener("submit", function (event) {
      if (composing || !input.value.trim()) event.preventDefault();
    });
  }

  function start() {
    var selector = script.getAttribute("data-target");
    var host = selector ? document.querySelector(selector) : null;
    if (!host) {
      host = document.createElement("div");
      host.className = "kensaku-search";
      script.parentNode.insertBefore(host, script);
    }
    mount(host);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
