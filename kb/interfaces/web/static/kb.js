() => {
  // The app's page script (run once per page load): the data-kb-* buttons inside rendered HTML,
  // plain-text copy, and scrolling to what a reply or a jump brought.
  if (window.kbReady) return;
  window.kbReady = true;

  // A click on a button inside HTML reaches Python through a hidden textbox's change event.
  const send = (id, payload) => {
    const box = document.querySelector(`#${id} textarea, #${id} input`);
    if (!box) return;
    box.value = JSON.stringify({ ...payload, t: Date.now() });
    box.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const copyText = async (text) => {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (e) { /* fall back below */ }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    return ok;
  };

  const flash = (button, label) => {
    const old = button.dataset.label || button.textContent;
    button.dataset.label = old;
    button.textContent = label;
    setTimeout(() => { button.textContent = old; }, 1600);
  };

  document.addEventListener("click", async (e) => {
    const target = e.target instanceof Element ? e.target : null;
    if (!target) return;
    const button = target.closest("button.kb-open, button.kb-outline, button.kb-read, button.kb-copy, button.kb-expand");
    if (!button) return;
    e.preventDefault();  // a button inside <summary> must not also fold its <details>
    e.stopPropagation();
    const ref = { doc: button.dataset.kbDoc || "", node: button.dataset.kbNode || "" };
    if (button.classList.contains("kb-open")) send("kb-open", ref);
    else if (button.classList.contains("kb-outline")) send("kb-goto", ref);
    else if (button.classList.contains("kb-read")) send("kb-read", ref);
    else if (button.classList.contains("kb-copy")) {
      flash(button, (await copyText(button.dataset.copy || "")) ? "已复制" : "复制失败");
    } else if (button.classList.contains("kb-expand")) {
      const open = button.dataset.kbTree === "open";
      document.querySelectorAll("#outline-tree details").forEach((d) => { d.open = open; });
    }
  }, true);

  // Run fn once the element the selector names exists (Gradio draws outputs a moment after the event ends).
  const when = (find, fn, tries = 40) => {
    const el = find();
    if (el) { requestAnimationFrame(() => fn(el)); return; }
    if (tries > 0) setTimeout(() => when(find, fn, tries - 1), 50);
  };

  const scroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (/(auto|scroll)/.test(style.overflowY) && p.scrollHeight > p.clientHeight + 4) return p;
    }
    return null;
  };

  // Put el's top at the top of its scroll box and of the window, so the reader starts there.
  const showTop = (el, margin = 8) => {
    const box = scroller(el);
    if (box) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - margin;
    const top = el.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight * 0.6) window.scrollBy(0, top - margin);
  };

  // After a reply: the newest question at the top of the chat, its answer's first line right below.
  window.kbShowLatest = () => {
    const rows = () => document.querySelectorAll("#chatbot .message-row");
    const count = rows().length;
    when(() => {
      const all = rows();
      const last = all[all.length - 1];
      return last && !last.classList.contains("user-row") ? last : null;
    }, (last) => {
      const all = [...rows()];
      let i = all.length - 1;
      while (i > 0 && !all[i].classList.contains("user-row")) i--;
      showTop(all[i].classList.contains("user-row") ? all[i] : last);
    });
    return count;
  };

  window.kbShowTarget = () => {
    when(() => document.querySelector("#outline-tree .kb-target"), (el) => {
      const box = scroller(el);
      if (box) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top - 40;
      const reader = document.querySelector("#outline-reader .kb-target");
      if (reader) {
        const r = scroller(reader);
        if (r) r.scrollTop += reader.getBoundingClientRect().top - r.getBoundingClientRect().top - 40;
      }
      const shown = window.innerWidth < 700 && reader ? reader : el;
      shown.scrollIntoView({ block: "center" });
    });
  };

  window.kbShowReader = () => {
    when(() => document.querySelector("#outline-reader .doc-view"), (el) => {
      if (el.getBoundingClientRect().top > window.innerHeight * 0.5 || el.getBoundingClientRect().top < 0) {
        el.scrollIntoView({ block: "start" });
      }
    });
  };

  window.kbShowSource = () => {
    when(() => document.querySelector("#source-view .pdf-mark, #source-view .kb-target"), (el) => {
      // the panel slides in: place the passage once it has stopped moving
      setTimeout(() => {
        el.scrollIntoView({ block: "center", inline: "nearest" });
        const sheet = el.closest(".pdf-scroll");  // a page wider than a phone: its marked lines' left edge in view
        if (sheet && sheet.scrollWidth > sheet.clientWidth) {
          const marks = [...sheet.querySelectorAll(".pdf-mark")];
          sheet.scrollLeft = Math.max(0, Math.min(...marks.map((m) => m.offsetLeft)) - 8);
        }
      }, 350);
    }, 60);
  };
}
