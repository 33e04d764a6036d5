"""The Gradio chat app: the same `Assistant.ask` as the CLI, with cards, a map, filters and a
reading list that lasts, laid out for a phone in the hall as well as a laptop.

Endpoints for gradio_client: `/chat` (message, history, kinds, board_min, board_max[,
session]) -> (history, sources_html, star choices), `/star` (boards) -> reading list HTML,
`/export` -> files (.md, .csv), `/map` -> the map's HTML. The page itself uses private
endpoints of its own (the chat, stop/retry/undo, thumbs up/down, the reading list kept in the
browser); the typed API (`/ask`, `/similar`, ...) is `assistant.api`.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import html
import io
import logging
import math
import re
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import feedback
from assistant.answer import Answer
from assistant.ask import Assistant, QuestionError
from assistant.citations import CANONICAL, Ref, cite, make_ref, ref_board, ref_label, ref_text
from assistant.followup import Turn, cited_boards
from assistant.poster import Poster
from assistant.retrieve import PosterFilter
from assistant.safe_text import readable_tex
from assistant.text import counted
from assistant.themes import named_by_terms

KINDS = ["poster", "spotlight", "oral"]
ALL_SESSIONS = "All sessions"
CITATION = CANONICAL  # `[#812]`, and `[S3 #812]` where sessions reuse boards
# Every question the page suggests (the chips and the box's placeholder) gets a cited answer
# from this session: tests/test_app.py asks each one through the app.
ASK_EXAMPLE = "is anyone doing diffusion for image editing?"
EXAMPLES = [
    "Is anyone generating synthetic MILP instances for solvers?",
    "What is Bernhard Schölkopf presenting?",
    "Summarize the work on federated learning",
    "What's at #813?",
    "Which posters are orals?",
    "Which posters study reinforcement learning, including RLHF?",
]
log = logging.getLogger(__name__)

CSS = """
.poster-card{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px 10px;
  margin:6px 0;background:var(--background-fill-secondary)}
.poster-card.flash{outline:3px solid var(--color-accent)}
.pc-head{font-size:.8em;opacity:.75}.pc-title{font-weight:700;margin:2px 0}
.pc-authors{font-style:italic;font-size:.88em}.pc-abstract{font-size:.86em;margin-top:4px;
  max-height:9em;overflow:auto}
.pc-actions{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.pc-actions button,.rl-item button,.theme-ask{font-size:.8em;padding:3px 9px;border-radius:14px;
  border:1px solid var(--border-color-primary);background:var(--background-fill-primary);
  cursor:pointer;color:var(--body-text-color)}
.pc-actions button[data-act=unstar]{background:var(--color-accent-soft)}
/* The theme's accent orange is 2.7:1 on the chat's grey: citations, the one thing to tap
   in an answer, take its darker shade (5:1); the dark theme keeps a light one. */
abbr.cite{cursor:pointer;text-decoration:underline dotted;color:var(--primary-700,#c2410c);
  font-weight:700}
.dark abbr.cite{color:var(--primary-400,#fb923c)}
/* A related poster (a refusal's closest ones) is a grey chip, not an orange citation mark:
   it opens its card all the same. Inline, not inline-block: the no-break space before it
   then keeps it on the line of its title's last word (an inline-block may always wrap). */
abbr.rel-board{cursor:pointer;text-decoration:none;white-space:nowrap;display:inline;
  padding:1px 8px;border:1px solid var(--border-color-primary);border-radius:12px;
  background:var(--background-fill-primary);color:var(--body-text-color);font-size:.9em}
#cite-pop{position:fixed;z-index:2147483000;max-width:440px;display:none;overflow:auto;
  max-height:70vh;box-shadow:0 4px 18px rgba(0,0,0,.3);border-radius:10px;
  background:var(--background-fill-primary)}
#cite-pop .pc-abstract{max-height:14em}
/* scrolling to the end of the card does not go on to scroll the page (which closes it) */
#cite-pop,#cite-pop .pc-abstract{overscroll-behavior:contain}
#cite-pop .pc-head{padding-right:24px}  /* clear of the close button */
#cite-pop .pop-close{position:absolute;right:6px;top:4px;border:0;background:none;
  font-size:1.3em;cursor:pointer;color:var(--body-text-color)}
.sources-h{font-weight:700;margin-top:8px}
#sources-box{max-height:72vh;overflow:auto}
.filters-line{font-size:.85em;opacity:.8}
.typing{opacity:.7;font-style:italic;animation:typing 1.2s ease-in-out infinite}
@keyframes typing{50%{opacity:.25}}
.map-svg{width:100%;height:auto;display:block;touch-action:manipulation}
.map-svg circle{cursor:pointer}
/* Label sizes are in the map's own units, the same on a phone and a laptop: `map_html`
   places the labels apart for exactly these sizes. */
.map-svg .theme-no{font:700 20px sans-serif;fill:#111;stroke:#fff;stroke-width:3px;
  paint-order:stroke;pointer-events:none}
.map-svg .hit-label{font:700 18px sans-serif;fill:#000;stroke:#fff;stroke-width:3px;
  paint-order:stroke;pointer-events:none}
/* a label set away from its crowded dot is tied to it by a thin line, as thin on a phone */
.map-svg .leader{stroke:#111;stroke-width:1.2px;vector-effect:non-scaling-stroke;
  pointer-events:none}
.map-legend{display:flex;flex-wrap:wrap;gap:4px 6px;margin-top:6px}
.theme-ask{display:inline-flex;align-items:center;gap:5px;text-align:left;white-space:normal}
.theme-ask .sw{width:11px;height:11px;border-radius:50%;flex:none;display:inline-block}
.map-note{font-size:.85em;margin:4px 0}
.rl-h{font-weight:700;margin:8px 0 2px}
.rl-item{display:flex;gap:8px;align-items:baseline;justify-content:space-between;
  border-bottom:1px solid var(--border-color-primary);padding:3px 0}
#share-box{font-size:.88em;word-break:break-all}
/* The chat's label and its Clear / Copy-all icons float over the chat's top edge: the
   messages scroll in the band below them, so no word passes under an icon. */
#chatbot .bubble-wrap{margin-top:28px;height:calc(100% - 28px);padding-top:var(--spacing-md)}
/* the greeting (the empty chat's placeholder) set in from the chat's edges */
#chatbot .placeholder{padding:0 var(--spacing-xxl)}
/* ...and so does "scroll to the latest message", which floated over the words at the bottom */
#chatbot .scroll-down-button-container{top:1px;bottom:auto;left:auto;right:56px;transform:none}
#chatbot .scroll-down-button-container button{width:24px;height:24px;padding:2px}
#chatbot .scroll-down-button-container button svg{width:16px;height:16px}
/* the page's side margins shrink with the screen: a phone gives the chat its width */
.main.fillable.app{padding-left:clamp(6px,2.5vw,32px) !important;
  padding-right:clamp(6px,2.5vw,32px) !important}
@media (max-width: 760px){
  /* The chat takes the phone's height less the title above it and the message box below
     (about 170 px): on opening, the title, the chat and the box all show, and a list
     answer shows a screenful (58vh, 490 px, showed its first lines). svh: the height with
     the browser's bars shown, so the box is not pushed under them. */
  #chatbot{height:max(320px,calc(100vh - 170px)) !important;
    height:max(320px,calc(100svh - 170px)) !important;max-height:none !important}
  #sources-box{max-height:none}
  #sources-box .pc-abstract,#sources-box .pc-authors{display:none}
  /* The chat's column gives its parts to the page's row, so they can be put in the order a
     phone needs: the chat, the box, then before any answer the example chips (all of them)
     and after one the tabs with its sources, ahead of the chips and the download. */
  #main-row{flex-wrap:wrap !important}
  #chat-col{display:contents !important}
  #main-row>#chat-col>*,#main-row>#side-col{flex:1 1 100% !important;min-width:100% !important}
  #chatbot{order:1}#ask-row{order:2}#examples{order:3}#side-col{order:4}#download-row{order:5}
  #main-row:has(#sources-box .poster-card) #examples{order:4}
  #main-row:has(#sources-box .poster-card) #side-col{order:3}
  .pc-actions button,.rl-item button{font-size:.9em;padding:6px 11px}
  .theme-ask{font-size:.78em;padding:4px 8px}
  .map-svg circle.pt{r:5.5px}
  .map-svg circle.hit{r:11px}
}
"""

# Document-level listeners survive the chatbot and panels re-rendering while an answer streams.
# The pop-over is a clone of a (server-escaped) card, or one built with textContent from a map
# point's attributes: no string becomes HTML here. Buttons on cards and the map talk to the
# server through the message box (a question) or the hidden #act box (star / unstar).
HEAD = r"""
<script>
(function () {
  if (window.__postersCite) return; window.__postersCite = true;
  var pinned = false;
  function phone() { return window.innerWidth < 760; }
  function pop() {
    var el = document.getElementById('cite-pop');
    if (!el) { el = document.createElement('div'); el.id = 'cite-pop';
      el.setAttribute('role', 'dialog');
      (document.querySelector('.gradio-container') || document.body).appendChild(el); }
    return el;
  }
  function hide() { pop().style.display = 'none'; pinned = false; anchorAt = null; }
  function starred() {
    var r = document.querySelector('#reading-list [data-boards]');
    return r ? r.getAttribute('data-boards').split(',').filter(Boolean) : [];
  }
  function button(act, board, label) {
    var b = document.createElement('button'); b.type = 'button';
    b.setAttribute('data-act', act); b.setAttribute('data-board', board);
    b.textContent = label; return b;
  }
  function miniCard(pt) {
    var board = pt.getAttribute('data-board');
    var card = document.getElementById('poster-' + (pt.getAttribute('data-card') || board));
    if (card) return card.cloneNode(true);
    var d = document.createElement('div'); d.className = 'poster-card';
    var head = document.createElement('div'); head.className = 'pc-head';
    var theme = pt.getAttribute('data-theme');  // a map's dot; a related poster has none
    head.textContent = named(board) + ' · ' + pt.getAttribute('data-kind') +
      (theme ? ' · theme ' + theme : '');
    var t = document.createElement('div'); t.className = 'pc-title';
    t.textContent = pt.getAttribute('data-title') ||
      ((pt.querySelector('title') || {}).textContent || '').replace(/^(?:\S+ )?#\d+ · /, '');
    var a = document.createElement('div'); a.className = 'pc-authors';
    a.textContent = pt.getAttribute('data-authors');
    var acts = document.createElement('div'); acts.className = 'pc-actions';
    var on = starred().indexOf(board) >= 0;
    acts.append(on ? button('unstar', board, '★ Starred') : button('star', board, '☆ Star'),
      button('similar', board, 'Similar posters'), button('ask', board, 'Ask about this'));
    d.append(head, t, a, acts); return d;
  }
  function place(p, r) {
    if (phone()) {  // a sheet along the bottom of the screen, over the chat, within view
      Object.assign(p.style, {left: '8px', right: '8px', top: 'auto', bottom: '8px',
        maxWidth: 'none', maxHeight: '55vh'});
      return;
    }
    Object.assign(p.style, {right: 'auto', bottom: 'auto', maxWidth: '440px',
      maxHeight: '70vh'});
    p.style.left = Math.max(8, Math.min(r.left, window.innerWidth - 450)) + 'px';
    var below = r.bottom + 6, h = p.offsetHeight;
    p.style.top = (below + h > window.innerHeight - 8 ? Math.max(8, r.top - h - 6) : below)
      + 'px';
  }
  function show(node, anchor, pin) {
    var p = pop(); var close = document.createElement('button');
    close.className = 'pop-close'; close.type = 'button'; close.textContent = '×';
    close.setAttribute('aria-label', 'Close');
    Object.assign(close.style, {position: 'absolute', right: '6px', top: '2px', zIndex: 2});
    node.removeAttribute('id'); p.replaceChildren(node, close); p.style.display = 'block';
    place(p, anchor.getBoundingClientRect()); pinned = !!pin; opened(anchor);
  }
  // "#812", or "S3 #812" for a poster whose board other sessions reuse
  function named(board) { return board.indexOf('#') >= 0 ? board : '#' + board; }
  // A citation, or a related poster's chip (abbr.rel-board): both open a poster's card.
  function citeOf(t) { return t && t.closest ? t.closest('abbr.cite, abbr.rel-board') : null; }
  function related(c) { return c.matches('abbr.rel-board'); }
  // "812" from [#812]; from a chip's "board 812" / "S3 board 812", "812" / "S3 #812"
  function boardOf(c) {
    if (!related(c)) return (c.textContent.match(/#(\d+)/) || [])[1];
    var m = c.textContent.trim().match(/^(?:(.+) )?board (\d+)$/) || [];
    return m[1] ? m[1] + ' #' + m[2] : m[2];
  }
  function cardOf(c) {  // the card's id is the board's, "S3-812" for "S3 #812" (`dom_id`)
    var id = c.getAttribute('data-card') ||
      String(boardOf(c)).replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');
    return document.getElementById('poster-' + id);
  }
  // The card to show: the poster's own card on the page, else (a related poster, not among
  // the sources) one built as a map's dot's is, from the chip's title "<title> — <authors>".
  function cardNode(c) {
    var card = cardOf(c);
    if (card) return card.cloneNode(true);
    if (!related(c) || !boardOf(c)) return null;
    var d = document.createElement('span'), tip = c.getAttribute('title') || '',
      cut = tip.lastIndexOf(' — ');
    d.setAttribute('data-board', boardOf(c));
    d.setAttribute('data-kind', 'related, not cited');
    d.setAttribute('data-title', cut >= 0 ? tip.slice(0, cut) : tip);
    d.setAttribute('data-authors', cut >= 0 ? tip.slice(cut + 3) : '');
    return miniCard(d);
  }
  function setBox(sel, text) {
    var box = document.querySelector(sel + ' textarea, ' + sel + ' input');
    if (!box) return null;
    var proto = box.tagName === 'TEXTAREA' ? HTMLTextAreaElement : HTMLInputElement;
    Object.getOwnPropertyDescriptor(proto.prototype, 'value').set.call(box, text);
    box.dispatchEvent(new Event('input', {bubbles: true})); return box;
  }
  function later(sel) { setTimeout(function () {
    var b = document.querySelector(sel); if (b) b.click(); }, 120); }
  function ask(text) {
    hide(); if (!setBox('#msg', text)) return;
    later('#send');
    // On a phone the cards and the map are under the chat: go up to where the answer comes.
    var chat = document.getElementById('chatbot');
    if (phone() && chat) chat.scrollIntoView({block: 'start'});
  }
  function act(el) {
    var what = el.getAttribute('data-act'), board = el.getAttribute('data-board');
    if (what === 'star' || what === 'unstar') {
      setBox('#act', what + ':' + board + ':' + Date.now()); later('#act-go');
      document.querySelectorAll('[data-board="' + board + '"][data-act=' + what + ']')
        .forEach(function (b) { b.setAttribute('data-act', what === 'star' ? 'unstar' : 'star');
          if (b.closest('.pc-actions')) b.textContent = what === 'star' ? '★ Starred' : '☆ Star';
        });
    } else if (what === 'similar') { ask('Which posters are similar to ' + named(board) + '?'); }
    else if (what === 'ask') { hide(); var box = setBox('#msg', 'About ' + named(board) + ': ');
      if (box) { box.focus(); box.setSelectionRange(box.value.length, box.value.length); } }
    else if (what === 'theme') { ask('Summarize the work on ' + el.getAttribute('data-topic')); }
  }
  document.addEventListener('mouseover', function (e) {
    if (phone() || pinned) return;
    var c = citeOf(e.target), node = c && cardNode(c); if (node) show(node, c, false);
  });
  document.addEventListener('mouseout', function (e) {
    if (!pinned && citeOf(e.target)) pop().style.display = 'none'; });
  document.addEventListener('click', function (e) {
    // The script's own clicks on its hidden buttons (#act-go after a star) are no click
    // outside the card: the card a reader starred from stays open.
    if (!e.isTrusted) return;
    var t = e.target;
    if (t.closest && t.closest('.pop-close')) { hide(); return; }
    var a = t.closest ? t.closest('[data-act]') : null;
    if (a) { e.preventDefault(); act(a); return; }
    var c = citeOf(t);
    if (c) {
      e.preventDefault(); var node = cardNode(c); if (!node) return;
      show(node, c, true);
      // The card is shown where the citation is: the chat never scrolls away. On a wide
      // screen the sources column also brings a citation's card into its own view.
      var card = cardOf(c), box = document.getElementById('sources-box');
      if (!phone() && card && box && box.offsetParent && !related(c)) {
        box.scrollTop = card.offsetTop - box.offsetTop - 8;
        card.classList.add('flash');
        setTimeout(function () { card.classList.remove('flash'); }, 1500);
      }
      return;
    }
    var pt = t.closest ? t.closest('.map-svg circle[data-board]') : null;
    if (pt) { show(miniCard(pt), pt, true); return; }
    if (!(t.closest && t.closest('#cite-pop'))) hide();
  });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') hide(); });
  // A card opened from a citation or a dot goes when the reader scrolls it away: the page,
  // or the chat under a citation, moved by a quarter of the screen (on a phone the sheet
  // stayed over the Sources one had scrolled down to). Only the reader's own scrolling
  // counts (a finger, a wheel or a scrolling key outside the card, just before): not a
  // scroll inside the card, not one the page or this script makes (a star's update, the
  // question brought to the top of the chat).
  var anchorAt = null, anchorTop = 0, openedAt = 0, readerScrolled = 0;
  function opened(anchor) {
    anchorAt = anchor; anchorTop = anchor.getBoundingClientRect().top;
    openedAt = window.scrollY;
  }
  function drift() {  // how far the card's citation (or dot) moved since it opened
    if (anchorAt && anchorAt.isConnected)
      return Math.abs(anchorAt.getBoundingClientRect().top - anchorTop);
    return Math.abs(window.scrollY - openedAt);  // redrawn (a map after a turn): the page
  }
  function outsideCard(e) { return !(e.target.closest && e.target.closest('#cite-pop')); }
  ['touchmove', 'wheel'].forEach(function (kind) {
    document.addEventListener(kind, function (e) {
      if (outsideCard(e)) readerScrolled = Date.now(); }, {capture: true, passive: true});
  });
  document.addEventListener('keydown', function (e) {
    if (/^(PageUp|PageDown|ArrowUp|ArrowDown|Home|End| )$/.test(e.key) && outsideCard(e) &&
        !(e.target.closest && e.target.closest('textarea, input'))) readerScrolled = Date.now();
  }, true);
  document.addEventListener('scroll', function (e) {
    var p = document.getElementById('cite-pop');
    if (!p || p.style.display !== 'block' || !outsideCard(e) || !anchorAt) return;
    // The reader's: just after their finger or wheel moved, or in the glide that follows
    // (one scroll every frame); anything else moves the card's starting point along.
    var now = Date.now();
    if (now - readerScrolled > 500) { opened(anchorAt); return; }
    readerScrolled = now;
    if (drift() > window.innerHeight / 4) hide();
  }, {capture: true, passive: true});
  // A chip asks its question: on a phone (the chips under the box, or under the tabs after an
  // answer) the page goes up to the chat, where the answer comes.
  document.addEventListener('click', function (e) {
    if (!phone() || !(e.target.closest && e.target.closest('#examples button'))) return;
    var chat = document.getElementById('chatbot');
    if (chat) setTimeout(function () { chat.scrollIntoView({block: 'start'}); }, 150);
  });
  // Copy gives the text as read, not the message's markup (<abbr> citations, escapes):
  // after Gradio's own copy, the clipboard gets the rendered text of the message(s).
  function shownText(b) {
    if (b.getAttribute('aria-label') !== 'Copy message') {
      return [...document.querySelectorAll('#chatbot [data-testid=user], #chatbot ' +
        '[data-testid=bot]')].map(function (m) {
          return (m.getAttribute('data-testid') === 'user' ? 'You: ' : '') +
            m.innerText.trim(); }).join('\n\n');
    }
    // A message's buttons follow it in the chat: the nearest message before them.
    var row = b.closest('.message-buttons');
    for (var n = row && row.previousElementSibling; n; n = n.previousElementSibling) {
      var found = n.matches('[data-testid=user], [data-testid=bot]') ? [n] :
        n.querySelectorAll('[data-testid=user], [data-testid=bot]');
      if (found.length) return found[found.length - 1].innerText.trim();
    }
    return null;
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest && e.target.closest('#chatbot button[aria-label="Copy ' +
      'message"], #chatbot button[aria-label="Copy conversation"]');
    if (!b || !navigator.clipboard) return;
    var text = shownText(b);
    if (text) setTimeout(function () { navigator.clipboard.writeText(text).catch(
      function () {}); }, 150);
  }, true);
  // A new question is brought to the top of the chat's view and its answer fills in below
  // it, so a long answer is read from its start (Gradio's autoscroll, off, showed its end:
  // the count or the first poster of a list was screens above). Until it is at the top (an
  // answer too short yet to scroll that far) the question is brought up as the answer grows;
  // never against a reader who scrolls, and not after the turn.
  var asked = 0, lifting = 0;
  function scroller(el) {
    for (var b = el.parentElement; b && b.closest('#chatbot'); b = b.parentElement)
      if (/(auto|scroll)/.test(getComputedStyle(b).overflowY)) return b;
    return null;
  }
  function lift() {
    var qs = document.querySelectorAll('#chatbot [data-testid=user]');
    if (qs.length > asked) lifting = qs.length;
    asked = qs.length;
    var q = lifting && qs[lifting - 1], box = q && scroller(q);
    if (!box) return;
    var gap = q.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
    if (gap > 1) box.scrollTop += gap;
    var send = document.getElementById('send');
    if (gap <= 1 || (send && send.offsetParent)) lifting = 0;  // at the top, or answered
  }
  ['wheel', 'touchstart', 'keydown', 'mousedown'].forEach(function (kind) {
    document.addEventListener(kind, function (e) {
      if (e.target.closest && e.target.closest('#chatbot')) lifting = 0; }, true);
  });
  var lifted = false;
  new MutationObserver(function () {
    if (lifted) return; lifted = true;
    requestAnimationFrame(function () { lifted = false; lift(); });
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true,
                                        attributes: true, attributeFilter: ['style', 'class']});
  // The share link shows the whole address, so it can be copied as text.
  new MutationObserver(function () {
    var a = document.getElementById('share-link'), s = document.getElementById('share-url');
    if (a && s && s.textContent !== a.href) s.textContent = a.href;
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
</script>
"""


def text_of(content: Any) -> str:
    """Gradio 6 hands back message content as a list of parts even when given a string."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    return "".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def previous_turn(history: list[dict], kept: dict | None = None) -> Turn | None:
    """The last turn: as the session kept it (its plan and whole result set) when `kept` is
    that turn, else read back from the history (its question and the boards it cited)."""
    if kept and history and len(history) == kept.get("length"):
        return Turn(kept["question"], kept["boards"], "", kept["plan"], kept["results"])
    question, boards = None, None
    for message in reversed(history or []):
        text = text_of(message.get("content"))
        if message.get("role") == "assistant" and boards is None:
            boards = cited_boards(text)  # a tooltip quoting a title cites nothing
        elif message.get("role") == "user" and boards is not None:
            question = plain_text(text)
            break
    answer = next((text_of(m.get("content")) for m in reversed(history or [])
                   if m.get("role") == "assistant"), "")
    return Turn(question, boards, plain_text(answer)) if question else None


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


# Markdown that renders any text as typed. Text from the data (abstracts, titles, the page's
# preamble) or from a model may hold `![x](http://host/p.png?conv=...)`, `<img src=...>` or a
# form: rendered, the browser would fetch the image on its own (a channel out for the
# conversation) or show a form posing as the app. With `<`, `>`, `&` as entities, brackets and
# backslashes escaped, no HTML, image, link or reference definition can form; a bare URL stays
# text or, at most, a link that needs a click.
_INERT = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "&": "&amp;", "<": "&lt;",
                        ">": "&gt;"})
# Every backslash escape CommonMark knows (ASCII punctuation), undone when reading back.
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# A question is shown exactly as typed: inert, and no Markdown either (`*x*`, `# x`, `1. x`).
_VERBATIM = str.maketrans({**{c: "\\" + c for c in "\\`*_{}[]()#+-.!|~"}, "&": "&amp;",
                           "<": "&lt;", ">": "&gt;"})
_TAG = re.compile(r"<[^>]+>")


def inert(text: object) -> str:
    """Text as Markdown that shows it literally and loads nothing."""
    return str(text).translate(_INERT)


def plain_text(shown: str) -> str:
    """What a chat message says, read back from its Markdown: our own tags dropped, the
    escapes of `inert` undone."""
    return html.unescape(_UNESCAPE.sub(r"\1", _TAG.sub("", shown)))


def question_markdown(message: str) -> str:
    """The user's bubble: the question exactly as typed, markup and Markdown shown as text
    (`plain_text` reads it back)."""
    return message.strip().translate(_VERBATIM)


def card_actions(board: Ref, starred: bool) -> str:
    star = ('<button type="button" data-act="unstar" data-board="{b}">★ Starred</button>'
            if starred else
            '<button type="button" data-act="star" data-board="{b}">☆ Star</button>')
    return ('<div class="pc-actions">' + star +
            '<button type="button" data-act="similar" data-board="{b}">Similar posters</button>'
            '<button type="button" data-act="ask" data-board="{b}">Ask about this</button>'
            '</div>').format(b=int(board) if isinstance(board, int) else escape(board))


def dom_id(ref: Ref) -> str:
    """A poster's id in the page: its board, or "S3-812" for "S3 #812"."""
    return str(ref) if isinstance(ref, int) else re.sub(r"[^A-Za-z0-9]+", "-", ref).strip("-")


# The score `compose`, `search` and `summarize` give a poster they did not rank (an author's
# posters, a summary, a board, a filter's listing): a cosine is never exactly 1.
UNRANKED = 1.0


def ranked_score(score: float) -> float | None:
    """A source's relevance when it is one (a search ranked the poster), else None."""
    return None if score >= UNRANKED else score


def card_html(card: Poster, score: float | None = None, starred: bool = False) -> str:
    award = f" · {escape(card.award)}" if card.award else ""
    relevance = f" · relevance {score:.2f}" if score is not None else ""
    ref = card.ref
    # A board other sessions reuse: the head names it as it is cited ("S3 #812").
    return (f'<div class="poster-card" id="poster-{dom_id(ref)}">'
            f'<div class="pc-head">{escape(ref_text(ref))} · {escape(card.kind)}{award}'
            f'{relevance}<span class="pc-session"> · {escape(card.session)}</span>'
            f'</div><div class="pc-title">{escape(readable_tex(card.title))}</div>'
            f'<div class="pc-authors">{escape(readable_tex(card.author_line))}</div>'
            f'<div class="pc-abstract">{escape(readable_tex(card.abstract))}</div>'
            f'{card_actions(ref, starred)}</div>')


def cite_html(card: Poster) -> str:
    """[#812] as an <abbr> whose title is the poster (a tooltip even without JavaScript);
    `data-card` names the card of a session-qualified citation ([S3 #812])."""
    tip = escape(readable_tex(f"{card.title} — {card.author_line}"))
    ref = card.ref
    data = "" if isinstance(ref, int) else f' data-card="{dom_id(ref)}"'
    return f'<abbr class="cite" title="{tip}"{data}>{escape(cite(ref))}</abbr>'


def related_html(card: Poster) -> str:
    """A related poster's "board 812" as a chip that opens its card as a citation does, yet
    is none: no `[#812]` (no guard or history reads it as cited), not the orange mark. The
    chat keeps only a tag's class and title, so the page's script builds the card from
    these: the board words and the title "<title> — <authors>", as a citation's."""
    tip = escape(readable_tex(f"{card.title} — {card.author_line}"))
    return f'<abbr class="rel-board" title="{tip}">{_board_words(card)}</abbr>'


def render_citations(text: str, by_board: dict[Ref, Poster]) -> str:
    """Answer text as inert Markdown, each citation of a known poster an <abbr>; any other
    board-like text stays text. TeX quoted from an abstract (`$O(n^2)$`) reads as text
    (O(n²)); a citation is never part of it."""
    parts, start = [], 0
    for match in CITATION.finditer(text):
        card = by_board.get(make_ref(int(match.group("board")), match.group("label") or ""))
        if card is not None:
            parts += [inert(readable_tex(text[start:match.start()])), cite_html(card)]
            start = match.end()
    parts.append(inert(readable_tex(text[start:])))
    return "".join(parts)


def answer_markdown(answer: Answer, by_board: dict[Ref, Poster], filters: str = "",
                    with_llm: bool = False) -> str:
    """The answer as shown: the active filters above it, a notice, the text with its
    citations, related posters apart, and who wrote it (`answered_by`; `with_llm`: the app
    has a model)."""
    body = render_citations(answer.answer, by_board)
    related = [by_board[b] for b in answer.related if b in by_board]
    if related:  # offered apart from the answer: not citations, not what was asked
        # The chip follows its title without brackets: "(" and ")" around it broke onto
        # lines of their own on a phone. A no-break space keeps the title's last word with
        # the chip, so a chip never stands alone on a line.
        body += "\n\nRelated posters (not an answer to this):\n" + "\n".join(
            f"- {inert(readable_tex(c.title))}&nbsp;{related_html(c)}" for c in related)
    if answer.notice:
        body = f"> {inert(answer.notice)}\n\n{body}"
    footer = answered_by(answer.backend, with_llm)
    return f"{filters_markdown(filters)}{body}" + (f"\n\n<sub>{footer}</sub>" if footer else "")


EXTRACTIVE = "extractive"


def model_name(backend: str) -> str:
    """The model of a backend's label: "gpt-4o-mini" of "gpt-4o-mini (openai-compatible)"."""
    return re.sub(r"\s*\([^()]*\)$", "", backend) or backend


def answered_by(backend: str, with_llm: bool) -> str:
    """Who wrote an answer, in a reader's words, where it tells them something: the model's
    name when one wrote it; when the app has a model but this answer is put together from
    the posters' own text (a board, an author, a fallback), that; nothing in an app with no
    model, where every answer is (the page's footer says so once)."""
    if backend != EXTRACTIVE:
        return f"answered by: {inert(model_name(backend))} (AI model)"
    return "answered from the posters' own text, without the AI model" if with_llm else ""


def backend_words(backend: str) -> str:
    """The footer's "Answers ...": from the posters' own text, or by a named model."""
    if backend == EXTRACTIVE:
        return "Answers from the posters' own text (no AI model)"
    return f"Answers by {model_name(backend)} (AI model)"


def _board_words(card: Poster) -> str:
    """"board 812", or "S3 board 812" where sessions reuse it: no guard takes it for a
    citation, as the related posters are none."""
    label = ref_label(card.ref)
    return f"{label} board {card.board}" if label else f"board {card.board}"


def filters_markdown(filters: str) -> str:
    return f'<sub class="filters-line">{escape(filters)}</sub>\n\n' if filters else ""


def sources_html(answer: Answer | None, cited: list[int], by_board: dict[Ref, Poster],
                 starred: Iterable[int] = ()) -> str:
    """This answer's posters (with their relevance where a search ranked them), then earlier
    ones (their citations still open cards)."""
    if answer is None and not cited:
        return ('<div class="sources-h">Sources</div><p>The posters an answer cites appear '
                'here, each with ☆ Star, Similar posters and Ask about this.</p>')
    starred = set(starred)
    now = [s.cited_as() for s in answer.sources] if answer else []
    parts = ['<div class="sources-h">Sources of this answer</div>']
    parts += [card_html(by_board[s.cited_as()], ranked_score(s.score), s.cited_as() in starred)
              for s in (answer.sources if answer else []) if s.cited_as() in by_board]
    if not now:
        parts.append("<p>No poster cited.</p>")
    earlier = [b for b in reversed(cited) if b not in now and b in by_board][:EARLIER_CARDS]
    if earlier:
        parts.append('<div class="sources-h">Earlier in this conversation</div>')
        parts += [card_html(by_board[b], starred=b in starred) for b in earlier]
    return "".join(parts)


def star_label(card: Poster) -> str:
    return f"{ref_text(card.ref)} · {readable_tex(card.title)}"


def walk_order(ref: Ref) -> tuple[int, str]:
    """Refs in walking order: by board (a reused board: by session label)."""
    return ref_board(ref), ref_label(ref)


def walking_groups(boards: Iterable[Ref]) -> list[tuple[str, list[Ref]]]:
    """Boards in walking order, grouped by their hundreds: ("#100-#199", [100, 104]), ..."""
    groups: dict[int, list[Ref]] = {}
    for board in sorted(set(boards), key=walk_order):
        groups.setdefault(ref_board(board) // 100, []).append(board)
    return [(f"#{h * 100}-#{h * 100 + 99}", members) for h, members in groups.items()]


def reading_html(boards: list[int], by_board: dict[Ref, Poster], note: str = "") -> str:
    """The reading list in walking order, each poster with a Remove button; `data-boards` on
    the root tells the page's script which posters are starred."""
    known = [b for b in boards if b in by_board]
    head = (f'<div class="rl" data-boards="'
            f'{escape(",".join(map(str, sorted(known, key=walk_order))))}">'
            + (f'<p class="rl-note">{escape(note)}</p>' if note else ""))
    if not known:
        return head + ("<p><em>No posters starred yet: tap ☆ Star on a card (Sources tab or "
                       "the map).</em></p></div>")
    parts = [head, f"<p>{counted(len(known), 'poster')}, in walking order:</p>"]
    for label, members in walking_groups(known):
        parts.append(f'<div class="rl-h">{label}</div>')
        parts += [f'<div class="rl-item"><span><b>{escape(ref_text(b))}</b> '
                  f'{escape(readable_tex(by_board[b].title))}</span><button type="button" '
                  f'data-act="unstar" data-board="{escape(str(b))}" '
                  f'aria-label="Remove {escape(ref_text(b))}">Remove</button></div>'
                  for b in members]
    return "".join([*parts, "</div>"])


def share_html(boards: list[int]) -> str:
    """A link that opens the app with this list (board numbers in the URL)."""
    if not boards:
        return ""
    query = ",".join(dom_id(b) for b in sorted(set(boards), key=walk_order))
    return (f'Share this list: <a id="share-link" href="?list={query}" target="_blank" '
            f'rel="noopener">open with {counted(len(set(boards)), "poster")}</a>'
            f'<br><code id="share-url">?list={query}</code>')


# A cell a spreadsheet would read as a formula (`=HYPERLINK(...)`, `=cmd|...`, `@SUM(...)`):
# a leading apostrophe makes Excel, LibreOffice and Google Sheets show it as text (OWASP's
# advice for CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_reading_list(boards: list[int], by_board: dict[Ref, Poster], session: str) -> list[str]:
    """reading_list.md (grouped by the boards' hundreds) and reading_list.csv, sorted by
    board: a walking order."""
    ordered = [by_board[b] for b in sorted(boards, key=walk_order)]
    lines = [f"# Reading list — {session}"]
    for label, members in walking_groups(boards):
        lines += ["", f"## {label}", ""]
        lines += [f"- **{ref_text(c.ref)}** ({c.kind}) {readable_tex(c.title)} — "
                  f"{readable_tex(c.author_line)}" for c in (by_board[b] for b in members)]
    table = io.StringIO(newline="")
    writer = csv.writer(table)
    writer.writerow(["board", "kind", "award", "title", "authors"])
    for row in (c.as_json() for c in ordered):
        writer.writerow([spreadsheet_cell(readable_tex(row[key]) if key in ("title", "authors")
                                          else row[key])
                         for key in ("board", "kind", "award", "title", "authors")])
    return [_kept_file("posters-reading", "reading_list.md", "\n".join(lines) + "\n"),
            _kept_file("posters-reading", "reading_list.csv", table.getvalue())]


_FILES: list[Path] = []  # this process's own folder (mkdtemp: private), made on first use


def _kept_file(kind: str, name: str, text: str) -> str:
    """`name` holding `text`, in a folder named by the text inside this process's private
    temporary folder: the page's download buttons are refreshed at every change, and the
    same content is one file, not one more per refresh. Written whole, then renamed into
    place, so a download never reads half a file."""
    if not _FILES:
        _FILES.append(Path(tempfile.mkdtemp(prefix="posters-files-")))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]
    folder = _FILES[0] / kind / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        part = folder / f".{name}.{uuid.uuid4().hex}"
        part.write_text(text, encoding="utf-8", newline="")
        part.replace(path)
    return str(path)


def parse_boards(values: list[str] | None, known: dict[Ref, Poster]) -> list[Ref]:
    boards = []
    for value in values or []:
        ref = _ref_at(str(value), known)
        if ref is not None:
            boards.append(ref)
    return boards


# A label before a board, as a card, a star label or an export names it: "S3 #812", "S3-812".
_LABELLED = re.compile(r"(?:(?<![\w-])(?P<label>[A-Za-z][A-Za-z0-9]{0,9})[ -])?#?(?P<board>\d+)")


def _ref_at(value: str, known: dict[Ref, Poster]) -> Ref | None:
    """The poster a value names: "S3 #812 · title", else its first number ("#812 · title");
    None if unknown."""
    match = _LABELLED.search(value)
    if match is not None and match.group("label"):
        labelled = make_ref(int(match.group("board")), match.group("label"))
        if labelled in known:
            return labelled
    first = re.search(r"\d+", value)
    return int(first.group()) if first and int(first.group()) in known else None


_LISTED = re.compile(r"(?:(?<![\w-])(?P<label>[A-Za-z][A-Za-z0-9]{0,9}) )?#(?P<board>\d+)")


def boards_in_list(text: str, known: dict[Ref, Poster]) -> list[Ref]:
    """The boards of an exported (or hand-written) list: `#812` (or `S3 #812`) anywhere in
    Markdown or text, or the first column of the CSV export."""
    found: list[Ref] = []
    for match in _LISTED.finditer(text):
        labelled = make_ref(int(match.group("board")), match.group("label") or "")
        found.append(labelled if labelled in known else int(match.group("board")))
    if not found and text.lstrip().lower().startswith("board"):
        found = [int(row[0]) for row in csv.reader(text.splitlines()[1:])
                 if row and row[0].strip().isdigit()]
    return [b for b in dict.fromkeys(found) if b in known]


def shared_boards(query: str | None, known: dict[Ref, Poster]) -> list[Ref]:
    """`?list=812,100` (or `S3-812`) from a shared link: the known boards, in order, once."""
    parts = re.findall(r"[A-Za-z][A-Za-z0-9]{0,9}-\d+|\d+", query or "")[:500]
    found = [_ref_at(part, known) for part in parts]
    return [b for b in dict.fromkeys(found) if b is not None]


def conversation_markdown(history: list[dict], answers: dict[str, dict],
                          by_board: dict[Ref, Poster], session: str) -> str:
    """The chat as Markdown: each question, each answer as composed (not as rendered), and
    under it the posters it cites, resolved to their titles and authors, then the related
    posters of an abstention, apart. TeX reads as text (O(ε⁻²)), as on the page."""
    lines = [f"# Conversation — {session}", ""]
    for index, message in enumerate(history):
        text = plain_text(text_of(message.get("content")))
        if message.get("role") == "user":
            lines += [f"**You:** {text}", ""]
            continue
        record = answers.get(str(index))
        if record is None:
            lines += [f"**Assistant:** {text}", ""]
            continue
        if record.get("filters"):
            lines += [f"_{record['filters']}_", ""]
        lines += [f"**Assistant:** {readable_tex(record['answer'])}", ""]
        cited = [b for b in record.get("citations") or [] if b in by_board]
        if cited:
            lines += ["Posters cited:"] + [f"- {cite(b)} {_titled(by_board[b])}" for b in cited]
            lines.append("")
        related = [b for b in record.get("related") or [] if b in by_board]
        if related:  # as on the page: apart, by board words, never a citation
            lines += ["Related posters (not an answer to this):"] + [
                f"- {_titled(by_board[b])} ({_board_words(by_board[b])})" for b in related]
            lines.append("")
    return "\n".join(lines)


def _titled(card: Poster) -> str:
    return f"{readable_tex(card.title)} — {readable_tex(card.author_line)}"


def write_conversation(text: str) -> str:
    return _kept_file("posters-chat", "conversation.md", text)


def read_filters(kinds: list[str] | None, board_min: float | None, board_max: float | None,
                 only_session: str | None, boards: list[int]) -> tuple[PosterFilter, str]:
    """The filter widgets as a PosterFilter, and a line saying what they hide ("" when they
    hide nothing). A range given backwards (900 -> 100) is swapped and says so."""
    lo = int(board_min) if board_min is not None else None
    hi = int(board_max) if board_max is not None else None
    swapped = lo is not None and hi is not None and lo > hi
    if swapped:
        lo, hi = hi, lo
    # A bound at or beyond the session's ends hides nothing: no filter, so the app answers
    # exactly as `posters ask` does (a filter makes relevance be judged within it).
    where = PosterFilter(
        kinds=frozenset(kinds) if kinds is not None and set(kinds) != set(KINDS) else None,
        board_min=None if boards and lo is not None and lo <= boards[0] else lo,
        board_max=None if boards and hi is not None and hi >= boards[-1] else hi,
        session=None if only_session in (None, ALL_SESSIONS) else only_session)
    said = []
    if boards and ((lo is not None and lo > boards[0]) or (hi is not None and hi < boards[-1])
                   or swapped):
        said.append(f"boards #{lo if lo is not None else boards[0]}–"
                    f"#{hi if hi is not None else boards[-1]}"
                    + (f" (given as {hi} → {lo}: swapped)" if swapped else ""))
    if where.kinds is not None:
        said.append("kinds: " + (", ".join(k for k in KINDS if k in where.kinds) or "none"))
    if where.session is not None:
        said.append(f"session: {where.session}")
    return where, ("Filters: " + " · ".join(said)) if said else ""


@dataclass
class Step:
    """One update of a chat turn: the history so far and, at the end, the answer."""

    history: list[dict]
    answer: Answer | None = None
    error: str = ""


def run_turn(assistant: Assistant, message: str, history: list[dict], where: PosterFilter,
             filters: str, kept: dict | None) -> Iterator[Step]:
    """A chat turn: the question shows at once (the answer pending), then the answer streams
    in, then the final answer with its filters line above it."""
    history = list(history or [])
    turn = previous_turn(history, kept)
    history.append({"role": "user", "content": question_markdown(message)})
    # Shown before anything is searched: an LLM may take seconds to its first token.
    history.append({"role": "assistant", "content": filters_markdown(filters) + TYPING})
    yield Step(list(history))
    shown = ""
    try:
        for event in assistant.ask_stream(message, where=where, previous=turn):
            if isinstance(event, Answer):
                by_board = assistant.index.by_board
                history[-1] = {"role": "assistant", "content": answer_markdown(
                    event, by_board, filters, assistant.backend_label != EXTRACTIVE)}
                yield Step(history, event)
                return
            shown += event
            history[-1] = {"role": "assistant", "content": filters_markdown(filters)
                           + render_citations(shown, assistant.index.by_board)}
            yield Step(history)
    except QuestionError as err:
        history[-1] = {"role": "assistant", "content": f"Error: {inert(err)}"}
        yield Step(history, error=str(err))


TYPING = '<span class="typing" aria-label="Answering">Answering…</span>'
STOPPED = "*(stopped)*"


def kept_turn(history: list[dict], message: str, answer: Answer) -> dict:
    """The turn as follow-ups need it: its plan and whole result set, not only what shows."""
    return {"length": len(history), "question": message, "boards": answer.citations,
            "plan": answer.plan.to_json() if answer.plan else None, "results": answer.results}


def answer_record(answer: Answer, history: list[dict], filters: str) -> dict:
    """What feedback and the conversation export keep of an answer: `Answer.to_json()`, the
    earlier questions of the conversation and the filters it was asked under."""
    earlier = [plain_text(text_of(m.get("content"))) for m in history[:-2]
               if m.get("role") == "user"]
    return {**answer.to_json(), "history": earlier, "filters": filters}


def last_user_message(history: list[dict]) -> tuple[list[dict], str]:
    """The history without its last question and the answers after it, and that question."""
    i = len(history) - 1
    while i >= 0 and history[i].get("role") == "assistant":
        i -= 1
    if i < 0:
        return history, ""
    return history[:i], plain_text(text_of(history[i].get("content")))


MAP_POINTS = 4000
EARLIER_CARDS = 20  # cards kept from earlier turns: older citations keep their tooltip
# 20 colours that stay apart on white (Tableau 10, then darker and lighter companions);
# themes beyond 20 reuse them, and every theme's number sits at its centre on the map.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
           "#7b4173", "#6baed6", "#fd8d3c", "#74c476", "#9e9ac8", "#000000"]
MAP_W, MAP_H, MAP_PAD = 640.0, 440.0, 16.0


def theme_colour(theme_id: int) -> str:
    return PALETTE[theme_id % len(PALETTE)]


def theme_topic(theme: dict) -> str:
    """What "ask about this theme" asks: the theme's name, a phrase its posters write; a map
    from an older ingest named themes by a bag of terms, whose two most distinctive serve."""
    if not named_by_terms(theme["label"]):
        return theme["label"]
    return " ".join(theme["terms"][:2]) or theme["label"]


# The map's labels, in its own units (the CSS sizes of .hit-label and .theme-no): a label goes
# where its text box meets no other label, theme number or marked dot. Widths are estimated
# wide (0.7 em a character, DejaVu Sans Bold's digits are 0.7 em) so no font makes them meet.
LABEL_SIZE, THEME_SIZE, HIT_R, EM_WIDTH, LABEL_GAP = 18.0, 20.0, 11.0, 0.7, 2.0
DOT_R, RING_STEP, ARC_STEP = 7.0, 12.0, 20.0  # a marked dot's drawn radius; the far rings' spacing
Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Segment = tuple[float, float, float, float]  # x0, y0, x1, y1
Placed = tuple[str, float, float, str]  # text, x, y (its middle), text-anchor
Label = tuple[str, float, float, str, Segment | None]  # ...and its leader line, when it has one


def text_box(text: str, x: float, y: float, size: float, anchor: str) -> Box:
    width = EM_WIDTH * size * len(text)
    left = {"start": x, "end": x - width}.get(anchor, x - width / 2)
    return left, y - 0.65 * size, left + width, y + 0.65 * size


def meets(a: Box, b: Box, gap: float = LABEL_GAP) -> bool:
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


def _inside(box: Box) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= MAP_W and box[3] <= MAP_H


def crosses(line: Segment, box: Box) -> bool:
    """Whether a line passes through a box (Liang-Barsky clipping)."""
    x, y, dx, dy = line[0], line[1], line[2] - line[0], line[3] - line[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, x - box[0]), (dx, box[2] - x), (-dy, y - box[1]), (dy, box[3] - y)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
        if low > high:
            return False
    return True


def _cuts(a: Segment, b: Segment) -> bool:
    """Whether two lines cross."""
    def side(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    a0, a1, b0, b1 = a[:2], a[2:], b[:2], b[2:]
    return side(a0, a1, b0) * side(a0, a1, b1) < 0 and side(b0, b1, a0) * side(b0, b1, a1) < 0


def leader(x: float, y: float, box: Box) -> Segment:
    """A line from a dot's edge to the nearest point of its label's box (the dot is drawn over
    its start, so it leaves a phone's larger dot from its edge too)."""
    nx, ny = min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])
    far = math.hypot(nx - x, ny - y) or 1.0
    return x + (nx - x) * DOT_R / far, y + (ny - y) * DOT_R / far, nx, ny


def _far_places(x: float, y: float) -> Iterator[tuple[float, float, str]]:
    """Places for a label farther out than beside its dot, nearest first: rings of growing
    radius, each tried all round at about one place per ARC_STEP of its circumference."""
    radius = HIT_R + LABEL_SIZE + RING_STEP
    while radius < math.hypot(MAP_W, MAP_H):
        steps = max(12, int(2 * math.pi * radius / ARC_STEP))
        for k in range(steps):
            cos, sin = math.cos(2 * math.pi * k / steps), math.sin(2 * math.pi * k / steps)
            anchor = "start" if cos > 0.35 else "end" if cos < -0.35 else "middle"
            yield x + radius * cos, y + radius * sin, anchor
        radius += RING_STEP


def _free(box: Box, words: list[Box], dots: list[Box], lines: list[Segment]) -> bool:
    """Whether a label's box is on the map and meets no label or number, marked dot or line."""
    return _inside(box) and not any(meets(box, other) for other in words) and not any(
        meets(box, dot, 0) for dot in dots) and not any(crosses(line, box) for line in lines)


def place_labels(themes: list[tuple[str, float, float]], marks: list[tuple[str, float, float]]
                 ) -> tuple[list[Placed], list[Label]]:
    """Where each theme number and each marked dot's label is drawn, none over another.

    A theme number sits at its theme's centre, or is nudged off another number or a marked
    dot. A dot's label goes right, left, above, below or on a diagonal of its dot, first free
    place first, in the order given (the answer's order). Where a crowd of numbers and labels
    leaves none of these free, the label goes to the nearest free place farther out, on a
    ring around the dot, tied to it by a thin leader line that passes over no other label,
    number or marked dot (if no such place is left: the nearest whose box alone is free).
    Only a map with no free room at all leaves a label out (its dot still names its poster on
    hover and opens its card on a tap)."""
    taken: list[Box] = [(x - HIT_R, y - HIT_R, x + HIT_R, y + HIT_R) for _, x, y in marks]
    numbers: list[Placed] = []
    words: list[Box] = []
    nudges = [(0, 0), (0, -24), (0, 24), (-24, 0), (24, 0), (0, -48), (0, 48)]
    for text, x, y in themes:
        for dx, dy in nudges:
            box = text_box(text, x + dx, y + dy, THEME_SIZE, "middle")
            free = not any(meets(box, other) for other in words) and not any(
                meets(box, dot, 0) for dot in taken)
            if free or (dx, dy) == nudges[-1]:
                if not free:  # crowded all round: at its centre, over whatever is there
                    dx, dy, box = 0, 0, text_box(text, x, y, THEME_SIZE, "middle")
                numbers.append((text, x + dx, y + dy, "middle"))
                words.append(box)
                break
    labels: list[Label] = []
    lines: list[Segment] = []
    off, up = HIT_R + 3, HIT_R + 0.65 * LABEL_SIZE + 3  # clear of the dot, beside or above it
    for text, x, y in marks:
        dot = (x - HIT_R, y - HIT_R, x + HIT_R, y + HIT_R)
        others = [other for other in taken if other != dot]
        around = [(x + off, y, "start"), (x - off, y, "end"), (x, y - up, "middle"),
                  (x, y + up, "middle")]
        around += [(x + dx * (off - 4), y + dy * (up - 4), "start" if dx > 0 else "end")
                   for dy in (-1, 1) for dx in (1, -1)]
        placed: Label | None = next(
            ((text, lx, ly, anchor, None) for lx, ly, anchor in around
             if _free(text_box(text, lx, ly, LABEL_SIZE, anchor), words, others, lines)),
            None)
        # The nearest place whose line crosses nothing; else one whose line crosses no text
        # (in a tight cluster it may have to cross a neighbouring dot); else the nearest.
        fallback: list[Label | None] = [None, None]
        for lx, ly, anchor in [] if placed else _far_places(x, y):
            box = text_box(text, lx, ly, LABEL_SIZE, anchor)
            if not _free(box, words, others, lines) or meets(box, dot, 0):
                continue
            line = leader(x, y, box)
            over_text = any(crosses(line, other) for other in words)
            if not over_text and not any(crosses(line, other) for other in others) and not any(
                    _cuts(line, other) for other in lines):
                placed = (text, lx, ly, anchor, line)
                break
            fallback[over_text] = fallback[over_text] or (text, lx, ly, anchor, line)
        placed = placed or fallback[0] or fallback[1]
        if placed is not None:
            labels.append(placed)
            words.append(text_box(*placed[:3], LABEL_SIZE, placed[3]))
            if placed[4] is not None:
                lines.append(placed[4])
    return numbers, labels


def map_html(assistant: Assistant, highlight: Iterable[int]) -> str:
    """The session map as SVG drawn here, not by a charting library: every poster a dot in its
    theme's colour; this answer's posters larger, filled and outlined, the rest muted; each
    theme's number at its centre and a legend whose entries ask about the theme. A dot opens
    its card (the page's script reads the data attributes as text)."""
    theme_map = assistant.index.theme_map
    by_board = assistant.index.by_board
    if theme_map is None or not theme_map.boards:
        return ('<p class="map-note">No session map in this store: rebuild it with '
                '<code>posters ingest --rebuild</code>.</p>')
    marked = {b for b in highlight if b in by_board}
    xs = [x for x, _ in theme_map.coords]
    ys = [y for _, y in theme_map.coords]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)

    def at(x: float, y: float) -> tuple[float, float]:
        return (MAP_PAD + (x - x0) / ((x1 - x0) or 1) * (MAP_W - 2 * MAP_PAD),
                MAP_H - MAP_PAD - (y - y0) / ((y1 - y0) or 1) * (MAP_H - 2 * MAP_PAD))

    names = {t["id"]: t for t in theme_map.themes}
    every = max(1, len(theme_map.boards) // MAP_POINTS)  # a whole conference is too many
    rest, hits, spots = [], [], {}
    sums: dict[int, list[float]] = {}
    for i, ((x, y), label, board) in enumerate(zip(
            theme_map.coords, theme_map.labels, theme_map.boards, strict=True)):
        px, py = at(x, y)
        total = sums.setdefault(label, [0.0, 0.0, 0])
        total[0] += px
        total[1] += py
        total[2] += 1
        if board not in by_board or (i % every and board not in marked):
            continue
        card = by_board[board]
        hit = board in marked
        # What a tapped dot's card shows (title in <title>, the hover tooltip; the first
        # authors): the map is re-sent after every answer, so each dot carries little.
        authors = card.authors
        short = " · ".join(authors[:3]) + (" et al." if len(authors) > 3 else "")
        card_id = "" if isinstance(board, int) else f' data-card="{dom_id(board)}"'
        attrs = (f'cx="{px:.1f}" cy="{py:.1f}" fill="{theme_colour(label)}" '
                 f'data-board="{escape(str(board))}"{card_id} data-theme="{label + 1}" '
                 f'data-kind="{escape(card.kind)}" data-authors="{escape(short)}"')
        tip = f"<title>{escape(ref_text(board))} · {escape(readable_tex(card.title))}</title>"
        if hit:
            hits.append(f'<circle class="pt hit" r="7" {attrs} fill-opacity="1" '
                        f'stroke="#111" stroke-width="1.8">{tip}</circle>')
            spots[board] = (px, py)
        else:
            opacity = "0.28" if marked else "0.85"
            rest.append(f'<circle class="pt" r="{3 if marked else 4}" {attrs} '
                        f'fill-opacity="{opacity}">{tip}</circle>')
    numbers, names_at = place_labels(
        [(str(label + 1), sx / n, sy / n) for label, (sx, sy, n) in sorted(sums.items())],
        [(ref_text(b), *spots[b]) for b in dict.fromkeys(highlight) if b in spots])
    centres = [f'<text class="theme-no" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
               f'dominant-baseline="central">{escape(text)}</text>'
               for text, x, y, anchor in numbers]
    labels = [f'<text class="hit-label" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
              f'dominant-baseline="central">{escape(text)}</text>'
              for text, x, y, anchor, _ in names_at]
    leaders = [f'<line class="leader" x1="{a:.1f}" y1="{b:.1f}" x2="{c:.1f}" y2="{d:.1f}" '
               f'data-label="{escape(text)}"/>'
               for text, *_, line in names_at if line is not None for a, b, c, d in [line]]
    svg = (f'<svg class="map-svg" viewBox="0 0 {MAP_W:.0f} {MAP_H:.0f}" role="img" '
           f'aria-label="Session map: posters by theme">'
           + "".join(rest) + "".join(centres) + "".join(leaders) + "".join(hits)
           + "".join(labels) + "</svg>")
    note = (f"<b>{counted(len(marked), 'poster')}</b> of the last answer: the large outlined dots."
            if marked else "Each dot is a poster, coloured by theme; ask a question to mark "
            "its posters.")
    legend = "".join(
        f'<button type="button" class="theme-ask" data-act="theme" '
        f'data-topic="{escape(theme_topic(t))}" title="Ask about this theme">'
        f'<span class="sw" style="background:{theme_colour(t["id"])}"></span>'
        f'{t["id"] + 1} {escape(t["label"])} ({len(t["boards"])})</button>'
        for t in (names[k] for k in sorted(names)))
    return (f'<div id="map-view"><p class="map-note">{note} Tap a dot for its card; tap a theme '
            f"to ask about it.</p>{svg}<div class=\"map-legend\">{legend}</div></div>")


def welcome(assistant: Assistant) -> str:
    cards = assistant.cards
    sessions = assistant.sessions
    location = assistant.location
    orals = sum(c.kind == "oral" for c in cards)
    spotlights = sum(c.kind == "spotlight" for c in cards)
    where = f" — {inert(location)}" if location else ""
    names = inert(", ".join(sessions))
    return (f"**{names}**{where}: {len(cards)} posters ({spotlights} spotlights, "
            f"{orals} orals).\n\nAsk about a topic, a board (`#813`), an author or the orals. "
            "Every answer cites boards like [#100]: tap a citation for the poster card, star "
            "posters for a reading list that stays in this browser. Follow-ups work: "
            "*which of those use transformers?*, *tell me more about the second one*.")


def reading_secret(assistant: Assistant) -> str:
    """The key the browser's copy of the reading list is sealed with: fixed per store, so the
    list survives a restart of the app (Gradio's default is a new key at every start). The
    list is only board numbers, read back through the known boards."""
    return hashlib.sha256(f"posters-reading:{assistant.settings.store}".encode()).hexdigest()


def board_numbers(by_board: dict[Ref, Poster]) -> list[int]:
    """The store's board numbers, in order (the board range filter's bounds)."""
    return sorted(card.board for card in by_board.values())


def build_app(assistant: Assistant) -> gr.Blocks:
    by_board = assistant.index.by_board
    boards = board_numbers(by_board)
    session = (", ".join(assistant.sessions) if len(assistant.sessions) <= 3
               else f"{len(assistant.sessions)} sessions")

    def chat(message: str, history: list[dict], kinds: list[str] | None,
             board_min: float | None, board_max: float | None,
             only_session: str | None = ALL_SESSIONS,
             cited: list[int] | None = None, panel: str | None = None,
             kept: dict | None = None) -> Iterator[tuple]:
        """One chat turn (the `/chat` endpoint): the history with the answer, the sources
        panel and the posters to star."""
        # An ingest may publish meanwhile: the cards are read where they are used.
        by_board = assistant.index.by_board
        # The sources panel is re-sent unchanged while the answer streams, never gr.skip():
        # Gradio 6.31 turns a skip into a new component with a fresh id, and the final plain
        # value is then stored under that id in the session, one orphan copy per request.
        panel = panel or sources_html(None, [], by_board)
        cited = list(cited or [])
        where, filters = read_filters(kinds, board_min, board_max, only_session,
                                      board_numbers(by_board))
        for step in run_turn(assistant, message, history, where, filters, kept):
            if step.error:
                panel = sources_html(None, cited, by_board)
                yield step.history, panel, gr.skip(), cited, [], panel, None
                return
            if step.answer is None:
                yield step.history, panel, gr.skip(), cited, gr.skip(), panel, gr.skip()
                continue
            answer, by_board = step.answer, assistant.index.by_board
            cited = [b for b in dict.fromkeys([*cited, *answer.citations]) if b in by_board]
            panel = sources_html(answer, cited, by_board)
            yield (step.history, panel, gr.update(choices=[star_label(by_board[b])
                                                           for b in cited]),
                   cited, answer.citations, panel, kept_turn(step.history, message, answer))

    def chat_ui(message: str, history: list[dict], kinds: list[str] | None,
                board_min: float | None, board_max: float | None, only_session: str | None,
                cited: list[int] | None, panel: str | None, kept: dict | None,
                answers: dict | None, reading: list[int] | None) -> Iterator[tuple]:
        """The page's chat turn: nothing for an empty box; the question shows at once; the
        answer is kept for thumbs up/down and the conversation export."""
        skip = (gr.skip(),) * 7
        if not (message or "").strip():
            yield skip
            return
        by_board = assistant.index.by_board
        panel = panel or sources_html(None, [], by_board)
        cited = list(cited or [])
        answers = {k: v for k, v in (answers or {}).items() if int(k) < len(history or [])}
        where, filters = read_filters(kinds, board_min, board_max, only_session,
                                      board_numbers(by_board))
        steps = run_turn(assistant, message, history, where, filters, kept)
        shown = [*(history or []), {"role": "user", "content": question_markdown(message)},
                 {"role": "assistant", "content": ""}]
        while True:
            try:
                step = next(steps)
            except StopIteration:
                return
            except Exception as err:  # a bug must not leave "Answering…" up for good
                shown = [*shown[:-1], {"role": "assistant", "content": inert(
                    f"Error: this answer failed ({type(err).__name__}: {err}). Retry (↻) "
                    "or ask again.")}]
                log.exception("answering %r failed", message)
                yield shown, panel, cited, gr.skip(), panel, gr.skip(), answers
                return
            shown = step.history
            if step.error or step.answer is None:
                yield step.history, panel, cited, gr.skip(), panel, gr.skip(), answers
                continue
            answer, by_board = step.answer, assistant.index.by_board
            cited = [b for b in dict.fromkeys([*cited, *answer.citations]) if b in by_board]
            panel = sources_html(answer, cited, by_board, reading or [])
            answers = {**answers, str(len(step.history) - 1):
                       answer_record(answer, step.history, filters)}
            yield (step.history, panel, cited, answer.citations, panel,
                   kept_turn(step.history, message, answer), answers)

    def stopped(history: list[dict]) -> list[dict]:
        history = list(history or [])
        if len(history) > 1 and history[-1].get("role") == "assistant" and (
                history[-2].get("role") == "user"):  # only an answer being written
            text = text_of(history[-1].get("content")).replace(TYPING, "")
            history[-1] = {"role": "assistant", "content": f"{text}\n\n{STOPPED}".strip()}
        return history

    def undo(history: list[dict]) -> tuple[list[dict], str]:
        return last_user_message(list(history or []))

    def liked(answers: dict | None, like: gr.LikeData) -> None:
        record = (answers or {}).get(str(like.index))
        if record is None or like.liked not in (True, False):
            return  # an answer that failed, or a verdict taken back
        feedback.record(assistant.settings.store, liked=bool(like.liked), answer=record)

    def export_chat(history: list[dict], answers: dict | None) -> str:
        return write_conversation(conversation_markdown(
            list(history or []), answers or {}, assistant.index.by_board, session))

    def chat_download(history: list[dict] | None, answers: dict | None) -> dict:
        """The conversation's download button holding the chat as it stands, so one click
        downloads it (it was a button making a file widget to click); off with no answer."""
        history = list(history or [])
        if not any(m.get("role") == "assistant" for m in history):
            return gr.update(value=None, interactive=False)
        return gr.update(value=export_chat(history, answers), interactive=True)

    def list_downloads(reading: list[Ref]) -> tuple[dict, dict]:
        """The reading list's .md and .csv download buttons, shown only with a list to
        download (an empty file box with an icon looked broken)."""
        if not reading:
            return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
        md, table = write_reading_list(reading, assistant.index.by_board, session)
        return gr.update(value=md, visible=True), gr.update(value=table, visible=True)

    def star_choices(cited: list[Ref] | None, ticked: list[str] | None) -> dict:
        """The posters cited so far, as the reading list tab offers them to star; what is
        ticked stays ticked."""
        by_board = assistant.index.by_board
        choices = [star_label(by_board[b]) for b in cited or [] if b in by_board]
        return gr.update(choices=choices, value=[t for t in ticked or [] if t in choices])

    def star(selected: list[str] | None, reading: list[int] | None) -> tuple:
        by_board = assistant.index.by_board
        reading = sorted(set(reading or []) | set(parse_boards(selected, by_board)),
                         key=walk_order)
        reading = [b for b in reading if b in by_board]
        return reading_html(reading, by_board), reading

    def listed(reading: list[int], note: str = "") -> tuple:
        """The outputs of every change to the reading list: shown, kept in the session and
        in the browser, and its share link."""
        by_board = assistant.index.by_board
        reading = sorted((b for b in set(reading) if b in by_board), key=walk_order)
        return (reading_html(reading, by_board, note), reading, reading, share_html(reading),
                *list_downloads(reading))

    def act(command: str, reading: list[int] | None) -> tuple:
        what, _, rest = (command or "").partition(":")
        named = rest.partition(":")[0]  # "812", or "S3 #812" for a board sessions reuse
        board = int(named) if named.isdigit() else (
            named if named in assistant.index.by_board else None)
        reading = list(reading or [])
        if board is not None and what == "star":
            reading.append(board)
        elif board is not None and what == "unstar":
            reading = [b for b in reading if b != board]
        return listed(reading)

    def star_ui(selected: list[str] | None, reading: list[int] | None) -> tuple:
        return listed([*(reading or []), *parse_boards(selected, assistant.index.by_board)])

    def import_list(path: str | None, reading: list[int] | None) -> tuple:
        if not path:
            return listed(reading or [])
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")[:1_000_000]
        except OSError as err:
            return listed(reading or [], f"Could not read that file ({err}).")
        found = boards_in_list(text, assistant.index.by_board)
        note = (f"Imported {counted(len(found), 'poster')}." if found else
                "No board numbers of this session in that file (expected #812 or a CSV "
                "whose first column is board).")
        return listed([*(reading or []), *found], note)

    def opened(saved: list[int] | None, request: gr.Request) -> tuple:
        """On load: the list this browser kept, with a shared link's boards added."""
        by_board = assistant.index.by_board
        kept_here = [b for b in saved or [] if isinstance(b, int | str) and b in by_board]
        shared = shared_boards(request.query_params.get("list"), by_board) if request else []
        if not shared:
            return (*listed(kept_here), gr.skip())
        new = [b for b in shared if b not in kept_here]
        note = (f"Opened a shared list of {counted(len(shared), 'poster')}"
                + (f"; {len(new)} added to yours." if kept_here else "."))
        return (*listed([*kept_here, *shared], note), gr.Tabs(selected="reading-tab"))

    def export(reading: list[int] | None) -> list[str]:
        by_board = assistant.index.by_board
        return write_reading_list([b for b in reading or [] if b in by_board], by_board,
                                  session)

    with gr.Blocks(title=f"posters — {session}") as demo:
        gr.Markdown(f"## Poster assistant — {escape(session)}", elem_id="title")
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=3, min_width=340, elem_id="chat-col"):
                # The greeting is the empty chat's placeholder, not a message: a message
                # carries Retry, Undo and thumbs, which mean nothing on a greeting.
                chatbot = gr.Chatbot(
                    value=[], placeholder=welcome(assistant), elem_id="chatbot", height=560,
                    label="Chat", buttons=["copy", "copy_all"],
                    autoscroll=False,  # the page brings each new question to the top instead
                    # Messages are inert Markdown plus our own <abbr>/<sub>/<span> tags (see
                    # `inert`); no other tag and no LaTeX renderer is needed on data or model
                    # text.
                    sanitize_html=True, allow_tags=False, latex_delimiters=[],
                    feedback_options=["Like", "Dislike"])
                with gr.Row(equal_height=True, elem_id="ask-row"):
                    msg = gr.Textbox(elem_id="msg", show_label=False, scale=5, autofocus=True,
                                     lines=1, max_lines=4, submit_btn=False,
                                     placeholder=f"Ask about the posters, e.g. '{ASK_EXAMPLE}'")
                    send = gr.Button("Ask", elem_id="send", variant="primary", scale=1,
                                     min_width=70)
                    stop = gr.Button("Stop", elem_id="stop", variant="stop", scale=1,
                                     min_width=70, visible=False)
                # A chip asks its question (it only filled the box before).
                examples = gr.Examples(EXAMPLES, inputs=[msg], label="Try", elem_id="examples")
                with gr.Row(elem_id="download-row"):
                    # One click downloads: the button holds the conversation, refreshed
                    # after every turn.
                    export_chat_btn = gr.DownloadButton(
                        "Download conversation (.md)", size="sm", elem_id="export-chat",
                        interactive=False)
            with gr.Column(scale=2, min_width=340, elem_id="side-col"), \
                    gr.Tabs(elem_id="side") as tabs:
                with gr.Tab("Sources", id="sources-tab", elem_id="sources-tab"):
                    sources = gr.HTML(sources_html(None, [], by_board), elem_id="sources-box")
                with gr.Tab("Map", id="map-tab", elem_id="map-tab"):
                    session_map = gr.HTML(map_html(assistant, []), elem_id="map")
                with gr.Tab("Reading list", id="reading-tab", elem_id="reading-tab"):
                    reading_view = gr.HTML(reading_html([], by_board), elem_id="reading-list")
                    share = gr.HTML("", elem_id="share-box")
                    # A list one sees, not a dropdown that looked empty until opened.
                    to_star = gr.CheckboxGroup(
                        [], label="Star posters cited so far", elem_id="to-star",
                        info="The posters the answers cite: tick some, then add them.")
                    star_btn = gr.Button("★ Add to reading list", elem_id="star", size="sm")
                    with gr.Row():
                        # Shown once there is a list; each downloads in one click.
                        list_md = gr.DownloadButton("Download .md", elem_id="export-md",
                                                    size="sm", visible=False)
                        list_csv = gr.DownloadButton("Download .csv", elem_id="export-csv",
                                                     size="sm", visible=False)
                        import_btn = gr.UploadButton(
                            "Import a list", file_types=[".md", ".csv", ".txt"],
                            elem_id="import", size="sm")
                with gr.Tab("Filters", id="filters-tab", elem_id="filters"):
                    kinds = gr.CheckboxGroup(KINDS, value=KINDS, label="Poster kind",
                                             elem_id="kinds")
                    only_session = gr.Dropdown(
                        [ALL_SESSIONS, *assistant.sessions], value=ALL_SESSIONS,
                        label="Session", elem_id="session",
                        visible=len(assistant.sessions) > 1)
                    with gr.Row():
                        board_min = gr.Number(value=boards[0], label="From board",
                                              precision=0, elem_id="board-min")
                        board_max = gr.Number(value=boards[-1], label="To board",
                                              precision=0, elem_id="board-max")
                    gr.Markdown("Answers say which filters were active, above the answer.")
        # What the store holds, not where it lives (a long absolute path meant nothing).
        gr.Markdown(f"<sub>{escape(backend_words(assistant.backend_label))} · "
                    f"{escape(session)} · {counted(len(assistant.cards), 'poster')}</sub>",
                    elem_id="footer")
        # The page's own bridge: card and map buttons put `star:812` here and press go.
        action = gr.Textbox(visible="hidden", elem_id="act")
        action_go = gr.Button("go", visible="hidden", elem_id="act-go")
        cited = gr.State([])
        reading = gr.State([])
        saved = gr.BrowserState([], storage_key="posters-reading-list",
                                secret=reading_secret(assistant))
        pending = gr.State("")
        panel = gr.State("")  # the sources panel as last sent, re-sent while an answer streams
        kept = gr.State(None)  # the last turn's plan and results, for follow-ups
        answers = gr.State({})  # message index -> the answer's record (feedback, export)
        last_answer = gr.State([])  # boards of the last answer, for the map
        filter_inputs = [kinds, board_min, board_max, only_session]

        # Move the text aside and clear the box at once, then stream with the Stop button up.
        def answered(started, api_name: str):
            """Answer the pending question once `started` has set it aside (a new question
            or a retry), then redraw the map and put the Send button back."""
            turn = started.then(
                chat_ui, [pending, chatbot, *filter_inputs, cited, panel, kept, answers,
                          reading],
                [chatbot, sources, cited, last_answer, panel, kept, answers],
                api_visibility="private", api_name=api_name, show_progress="minimal",
                show_progress_on=[chatbot])
            turn.then(lambda boards: map_html(assistant, boards), [last_answer], [session_map],
                      api_visibility="private", show_progress="hidden")
            turn.then(lambda: (gr.update(visible=True), gr.update(visible=False)), None,
                      [send, stop], api_visibility="private", queue=False)
            turn.then(star_choices, [cited, to_star], [to_star], api_visibility="private",
                      show_progress="hidden")
            turn.then(chat_download, [chatbot, answers], [export_chat_btn],
                      api_visibility="private", show_progress="hidden")
            return turn

        def start(message: str) -> tuple:
            return "", message, gr.update(visible=False), gr.update(visible=True)

        ui_turn = answered(gr.on(
            [msg.submit, send.click], start, msg, [msg, pending, send, stop], queue=False,
            api_visibility="private"), "chat_ui")
        # A chip's question is put in the box, then asked as if typed.
        chip_turn = answered(examples.load_input_event.then(
            start, msg, [msg, pending, send, stop], queue=False, api_visibility="private"),
            "chat_example")
        retry = answered(chatbot.retry(
            lambda h: (*last_user_message(list(h or [])), gr.update(visible=False),
                       gr.update(visible=True)), [chatbot],
            [chatbot, pending, send, stop], queue=False, api_visibility="private"),
            "chat_retry")
        stopping = stop.click(stopped, [chatbot], [chatbot], cancels=[ui_turn, chip_turn, retry],
                              queue=False, api_visibility="private")
        stopping.then(
            lambda: (gr.update(visible=True), gr.update(visible=False)), None, [send, stop],
            api_visibility="private", queue=False)
        stopping.then(chat_download, [chatbot, answers], [export_chat_btn],
                      api_visibility="private", show_progress="hidden")
        chatbot.undo(undo, [chatbot], [chatbot, msg], queue=False,
                     api_visibility="private").then(
            chat_download, [chatbot, answers], [export_chat_btn], api_visibility="private",
            show_progress="hidden")
        chatbot.clear(lambda: gr.update(value=None, interactive=False), None,
                      [export_chat_btn], queue=False, api_visibility="private")
        chatbot.like(liked, [answers], None, queue=False, api_visibility="private")

        list_outputs = [reading_view, reading, saved, share, list_md, list_csv]
        action_go.click(act, [action, reading], list_outputs, queue=False,
                        api_visibility="private")
        star_btn.click(star_ui, [to_star, reading], list_outputs, api_visibility="private").then(
            lambda: gr.update(value=[]), None, [to_star], api_visibility="private",
            show_progress="hidden")
        import_btn.upload(import_list, [import_btn, reading], list_outputs,
                          api_visibility="private")
        demo.load(opened, [saved], [*list_outputs, tabs], api_visibility="private")

        # Endpoints for API clients (the tests and scripts), apart from the page's events.
        api_button = gr.Button(visible=False)
        api_button.click(chat, [msg, chatbot, *filter_inputs, cited, panel, kept],
                         [chatbot, sources, to_star, cited, last_answer, panel, kept],
                         api_name="chat")
        map_button = gr.Button(visible=False)
        map_button.click(lambda boards: map_html(assistant, boards), [last_answer],
                         [session_map], api_name="map")
        # `/star` takes any labels ("#813 · Scaling", "S3 #812"), not only the ticked ones.
        star_pick = gr.Dropdown([], multiselect=True, allow_custom_value=True, visible=False)
        star_api = gr.Button(visible=False)
        star_api.click(star, [star_pick, reading], [reading_view, reading], api_name="star")
        # `/export` gives both files at once, as the page's two buttons do.
        files = gr.File(file_count="multiple", visible=False)
        export_btn = gr.Button(visible=False)
        export_btn.click(export, [reading], [files], api_name="export")
        _register_api(assistant)
    return demo


def _register_api(assistant: Assistant) -> None:
    """The typed API (`/ask`, `/similar`, `/summarize`, `/poster`) beside the page's own."""
    from assistant import api

    api.register(assistant)


# Fairness: Gradio's queue is one FIFO of QUEUE_SIZE turns for everyone, so one client sending
# 100 questions at once filled it and every other user was turned away ("Queue is full").
# Each chat turn is admitted only while its client has fewer than these in the queue or
# running; a refused turn costs no slot and gets an immediate message saying why. Admitted
# turns wait in round-robin order over addresses, so the turns one address may still hold do
# not stand in front of everyone else's.
QUEUE_SIZE = 64
TURNS_PER_SESSION = 2  # one turn answering, one typed meanwhile
# One address may be a whole conference Wi-Fi behind NAT or a proxy: it may hold at most half
# of the queue, so other addresses always find room, and a small per-address cap does not
# turn away a hall of real users.
TURNS_PER_ADDRESS = QUEUE_SIZE // 2
CHAT_ENDPOINTS = frozenset({"chat", "chat_ui", "chat_example", "chat_retry", "ask",
                            "summarize"})
SESSION_BUSY = ("You already have {n} questions being answered: wait for one to finish, "
                "then ask again.")
ADDRESS_BUSY = ("{n} questions from your network address are being answered already: wait "
                "for one to finish, then ask again.")


def refusal(session_turns: int, address_turns: int, per_session: int,
            per_address: int) -> str | None:
    """Why a client's new turn is refused, given its turns in flight; None to admit it."""
    if session_turns >= per_session:
        return SESSION_BUSY.format(n=session_turns)
    if address_turns >= per_address:
        return ADDRESS_BUSY.format(n=address_turns)
    return None


def address_of(request: Any) -> str:
    client = getattr(request, "client", None)
    return getattr(client, "host", "") or ""


def turns_in_flight(events: Iterable[Any], session: str | None,
                    address: str) -> tuple[int, int]:
    """Chat turns of this session and of this address among Gradio's queued and running
    events."""
    chats = [e for e in events if getattr(e.fn, "api_name", None) in CHAT_ENDPOINTS]
    return (sum(bool(session) and e.session_hash == session for e in chats),
            sum(address_of(e.request) == address for e in chats))


def fair_order(events: list[Any]) -> list[Any]:
    """Waiting turns in round-robin over addresses: every address's first turn, then every
    address's second, ...; first come, first served within an address and within a round."""
    rounds: dict[str, int] = {}
    keyed = []
    for position, event in enumerate(events):
        address = address_of(event.request)
        keyed.append((rounds.get(address, 0), position, event))
        rounds[address] = rounds.get(address, 0) + 1
    return [event for _round, _position, event in sorted(keyed, key=lambda k: k[:2])]


def limit_turns_per_client(demo: gr.Blocks, per_session: int, per_address: int) -> None:
    """Check each chat turn at the queue's door (Gradio 6 has no per-client limit).

    Wraps the queue's `push`, the one place every queued call enters (the page, gradio_client
    and the REST API alike). The count is read from the queue itself, so a turn that ends,
    fails or is dropped with its client frees its place without bookkeeping here. A refusal
    is a validation error: HTTP 422 with the message, which gradio_client raises as
    ValidationError (the page sends one question at a time, so it never meets the limit). An
    admitted turn is then put in its round (`fair_order`); the reordering is synchronous, so
    no worker sees a half-sorted list.
    """
    queue = demo._queue
    push: Callable[..., Awaitable[tuple]] = queue.push
    door = asyncio.Lock()  # check and enqueue as one step: parallel pushes see each other

    def in_flight() -> list[Any]:
        queued = [e for q in queue.event_queue_per_concurrency_id.values() for e in q.queue]
        return queued + [e for job in queue.active_jobs if job for e in job]

    async def fair_push(body: Any, request: Any, username: str | None) -> tuple:
        fn = demo.fns.get(body.fn_index) if body.fn_index is not None else None
        if getattr(fn, "api_name", None) not in CHAT_ENDPOINTS:
            return await push(body=body, request=request, username=username)
        async with door:
            session, address = turns_in_flight(in_flight(), body.session_hash,
                                               address_of(request))
            why = refusal(session, address, per_session, per_address)
            if why is not None:
                return False, [{**gr.validate(False, why), "parameter_name": "message"}], (
                    "validator_error")
            result = await push(body=body, request=request, username=username)
        waiting = queue.event_queue_per_concurrency_id.get(fn.concurrency_id)
        if result[0] and waiting is not None:
            waiting.queue[:] = fair_order(waiting.queue)
        return result

    queue.push = fair_push


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860,
           auth: tuple[str, str] | None = None, block: bool = True,
           turns_per_session: int = TURNS_PER_SESSION,
           turns_per_address: int = TURNS_PER_ADDRESS) -> gr.Blocks:
    demo = build_app(assistant)
    demo.queue(default_concurrency_limit=4, max_size=QUEUE_SIZE)
    limit_turns_per_client(demo, turns_per_session, turns_per_address)
    # Gradio's bundled Source Sans Pro SemiBold (weight 600) holds a handful of glyphs (A, B):
    # bold text came out in two fonts. Regular and Bold are complete; 600 falls to Bold.
    theme = gr.themes.Default(
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif",
              "system-ui", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"])
    demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=not block,
                quiet=not block, theme=theme, css=CSS, head=HEAD, show_error=False,
                pwa=True)  # installable: opens from a phone's home screen
    return demo
