// Tawasul shared behaviour: keyboard focus on the search box, toasts, bulk selection, searchable
// selects, scrollable tab rows.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if ((event.key === "/" && !typing) || (event.key === "k" && (event.ctrlKey || event.metaKey))) {
      const box = document.getElementById("global-search");
      if (box) { event.preventDefault(); box.focus(); box.select(); }
    }
    if (event.key === "Escape") {
      const results = document.getElementById("global-search-results");
      if (results) { results.innerHTML = ""; }
    }
  });

  function showToasts(root) {
    if (!window.bootstrap) { return; }
    (root || document).querySelectorAll(".toast:not(.showing):not(.show)").forEach(function (el) {
      window.bootstrap.Toast.getOrCreateInstance(el).show();
    });
  }

  function updateBulkBar(root) {
    const form = (root || document).querySelector("[data-bulk-form]") || document.querySelector("[data-bulk-form]");
    if (!form) { return; }
    const boxes = form.querySelectorAll("input[name=pk]");
    const checked = form.querySelectorAll("input[name=pk]:checked").length;
    const bar = form.querySelector(".bulk-bar");
    const count = form.querySelector("[data-bulk-count]");
    if (bar) { bar.classList.toggle("show", checked > 0); }
    if (count) { count.textContent = checked; }
    const all = form.querySelector("[data-select-all]");
    if (all) { all.checked = boxes.length > 0 && checked === boxes.length; }
  }

  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el.matches("[data-select-all]")) {
      const form = el.closest("[data-bulk-form]");
      form.querySelectorAll("input[name=pk]").forEach(function (box) { box.checked = el.checked; });
    }
    if (el.matches("[data-select-all], input[name=pk]")) { updateBulkBar(); }
  });

  // Inline formsets: add a row from the empty form template, remove by ticking DELETE.
  document.addEventListener("click", function (event) {
    const add = event.target.closest("[data-formset-add]");
    if (add) {
      event.preventDefault();
      const prefix = add.getAttribute("data-formset-add");
      const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      const template = document.getElementById(prefix + "-empty");
      const container = document.getElementById(prefix + "-rows");
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const first = container.lastElementChild.querySelector("input:not([type=hidden]), select");
      if (first) { first.focus(); }
    }
    const remove = event.target.closest("[data-formset-remove]");
    if (remove) {
      event.preventDefault();
      const row = remove.closest(".formset-row");
      const del = row.querySelector("input[name$='-DELETE']");
      if (del) { del.checked = true; row.classList.add("d-none"); }
    }
  });

  // Searchable selects (Tom Select): remote ones ask the server as the user types and show
  // exactly what it answers. Tom Select would otherwise keep every option loaded so far and,
  // with no field of its own to search, score them all as matches: the whole list stayed on
  // screen while typing. So each answer replaces the options (the chosen ones stay), an answer
  // to an older query is dropped, and the server's order is kept.
  function isolated(data, escape) {
    return "<div><bdi>" + escape(data.text) + "</bdi></div>";
  }

  // What is typed into a select filtered on the page, in the comparison form the server uses
  // (core.text.normalize_name, its folding given by the page as JSON): options carry theirs in
  // data-search, so "احمد" finds "أحمد" and "کریم" finds "كريم" as in every search.
  let folder;
  function foldText(text) {
    if (folder === undefined) {
      const spec = document.getElementById("text-fold");
      folder = null;
      if (spec) {
        const fold = JSON.parse(spec.textContent);
        const invisible = new RegExp(fold.invisible, "gu");
        const marks = new RegExp(fold.marks, "gu");
        const separators = new RegExp(fold.separators, "gu");
        folder = function (value) {
          let folded = String(value || "").replace(invisible, "").normalize("NFKC").replace(marks, "");
          folded = Array.from(folded, function (ch) { return fold.replace[ch] || ch; }).join("");
          return folded.toLowerCase().replace(separators, " ").replace(/\s+/gu, " ").trim();
        };
      }
    }
    return folder ? folder(text) : String(text || "").toLowerCase();
  }

  function enhanceSelects(root) {
    if (!window.TomSelect) { return; }
    (root || document).querySelectorAll("select.remote-select, select.searchable-select").forEach(function (el) {
      if (el.tomselect || el.closest("template")) { return; }
      const options = {
        maxOptions: 50,
        plugins: el.multiple ? ["remove_button"] : [],
        render: { option: isolated, item: isolated },
      };
      const url = el.getAttribute("data-autocomplete-url");
      // A picker whose matches depend on another field (the bulk assign's "Assign" choice)
      // names it in data-autocomplete-for; its value goes along as `for`.
      const depends = el.getAttribute("data-autocomplete-for");
      const other = depends ? document.getElementById(depends) : null;
      if (url) {
        let answered = new Set();
        options.valueField = "value";
        options.labelField = "text";
        options.searchField = [];
        options.preload = "focus";
        options.score = function () {
          return function (item) { return answered.has(String(item.value)) ? 1 : 0; };
        };
        options.load = function (query, callback) {
          const select = this;
          let address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
          if (other) { address += "&for=" + encodeURIComponent(other.value); }
          fetch(address, { headers: { "Accept": "application/json" } })
            .then(function (r) { return r.json(); })
            .then(function (data) {
              if (query !== select.inputValue()) { callback(); return; }  // typed on since
              const results = data.results || [];
              select.clearOptions();
              answered = new Set(results.map(function (row) { return String(row.value); }));
              callback(results);
            })
            .catch(function () { callback(); });
        };
      } else {
        options.searchField = [];
        options.score = function (query) {
          const words = foldText(query).split(" ").filter(function (w) { return /[\p{L}\p{N}]/u.test(w); });
          const symbolsOnly = String(query).trim() !== "" && words.length === 0;
          return function (item) {
            if (symbolsOnly) { return 0; }  // as every search: only symbols match nothing
            const text = item.search || foldText(item.text);
            return words.every(function (w) { return text.indexOf(w) !== -1; }) ? 1 : 0;
          };
        };
      }
      const picker = new window.TomSelect(el, options);
      if (other) {
        other.addEventListener("change", function () { picker.clear(); picker.clearOptions(); });
      }
    });
  }

  // Tab rows wider than the screen: fade the edge that has more tabs behind it.
  function markScrollableTabs(root) {
    (root || document).querySelectorAll(".tabs-scroll").forEach(function (el) {
      const update = function () {
        const max = el.scrollWidth - el.clientWidth;
        const position = Math.abs(el.scrollLeft);  // negative to the end in right-to-left pages
        el.classList.toggle("more-start", max > 1 && position > 1);
        el.classList.toggle("more-end", max > 1 && position < max - 1);
      };
      if (!el.dataset.tabsScroll) {
        el.dataset.tabsScroll = "1";
        el.addEventListener("scroll", update, { passive: true });
        window.addEventListener("resize", update);
        const active = el.querySelector(".active");
        if (active && el.scrollWidth > el.clientWidth) { active.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      }
      update();
    });
  }

  // "Go back" on error pages (no inline script under the Content Security Policy).
  document.addEventListener("click", function (event) {
    const back = event.target.closest("[data-history-back]");
    if (back && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });

  document.addEventListener("DOMContentLoaded", function () { showToasts(); updateBulkBar(); enhanceSelects(); markScrollableTabs(); });
  document.addEventListener("htmx:afterSwap", function (event) { showToasts(event.target); updateBulkBar(); enhanceSelects(event.target); markScrollableTabs(event.target); });
})();
