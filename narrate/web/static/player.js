// <narrate-player>: a dependency-free audio player for narrated articles.
//
// Attributes: src, type, episode-title (not title, which would be a tooltip over the whole
// player), artist, artwork, episode (a stable id for the remembered position), duration (seconds,
// shown before the audio's metadata loads), transcript (WebVTT, one cue per sentence), chapters
// (Podcasting 2.0 JSON chapters), download (defaults to src), highlight-page (highlight host-page
// elements carrying data-narrate-sentence markers; a closed <details> opens while its text is read),
// theme (auto|light|dark; auto, the default, follows the host page's background), layout (bar: one
// compact row that expands; full, the default), compact (no title: the page shows it just above),
// feed (the podcast feed URL: a subscribe menu), data-layer (push events to window.dataLayer),
// manifest (the episode's stable manifest, manifests/ID.json: its current audio, transcript, chapters,
// artwork, title and duration win over the attributes above, which paint the player until it is read;
// on a media error it is read again, fresh, once per failing file, and a 404 there means "removed").
//
// Events (composed, bubbling, from the element): narrate:play, pause, progress (25/50/75 %), ended,
// seek, chapter, ratechange, error; detail = { episode, position, duration, ... }.
// #t=SECONDS or ?t=SECONDS on the page starts the first player there.
//
// Safety: the static markup below holds no article text; every string that comes from the article,
// the transcript or the chapters is written with textContent or as an attribute value, never as HTML.

const RATES = [0.75, 1, 1.25, 1.5, 1.75, 2];
const SKIP_SECONDS = 15;
const NUDGE_SECONDS = 5;
const PAGE_SECONDS = 60;
const RESUME_MIN_SECONDS = 5;
const RATE_KEY = "narrate:rate";
const POSITION_PREFIX = "narrate:position:";
const SAVE_EVERY_MS = 2000;
const USER_SCROLL_GRACE_MS = 4000;
const PLAY_EVENT = "narrate-player-play";
const HOST_STYLE_ID = "narrate-player-host-style";
const CHAPTERS_FAILED = "The chapters could not be loaded.";
const TRANSCRIPT_FAILED = "The transcript could not be loaded.";
const TRANSCRIPT_UNREADABLE = "The transcript could not be read.";

const ICONS = {
  play: '<path d="M8 5.14v13.72a1 1 0 0 0 1.52.85l10.6-6.86a1 1 0 0 0 0-1.7L9.52 4.29A1 1 0 0 0 8 5.14z"/>',
  pause: '<path d="M7 4h3.5a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm6.5 0H17a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1h-3.5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z"/>',
  back: '<path d="M12 5V2L7 6l5 4V7a6 6 0 1 1-6 6H4a8 8 0 1 0 8-8z"/><text x="12" y="16.2" text-anchor="middle" font-size="6.6" font-weight="700" font-family="system-ui,sans-serif">15</text>',
  forward: '<path d="M12 5V2l5 4-5 4V7a6 6 0 1 0 6 6h2a8 8 0 1 1-8-8z"/><text x="12" y="16.2" text-anchor="middle" font-size="6.6" font-weight="700" font-family="system-ui,sans-serif">15</text>',
  volume: '<path d="M4 9v6h4l5 4V5L8 9H4zm12.5 3A4.5 4.5 0 0 0 14 8v8a4.47 4.47 0 0 0 2.5-4zM14 3.23v2.06a7 7 0 0 1 0 13.42v2.06A9 9 0 0 0 14 3.23z"/>',
  muted: '<path d="M4 9v6h4l5 4V5L8 9H4zm12.6 3 2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4z"/>',
  chapters: '<path d="M4 6h2v2H4zm4 0h12v2H8zm-4 5h2v2H4zm4 0h12v2H8zm-4 5h2v2H4zm4 0h12v2H8z"/>',
  transcript: '<path d="M5 4h14a1 1 0 0 1 1 1v14a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm1 2v12h12V6zm2 2h8v2H8zm0 3h8v2H8zm0 3h5v2H8z"/>',
  download: '<path d="M11 4h2v8.17l3.59-3.58L18 10l-6 6-6-6 1.41-1.41L11 12.17zM5 18h14v2H5z"/>',
  more: '<path d="M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z"/>',
  share: '<path d="M18 16a3 3 0 0 0-2.4 1.2l-7-3.5a3 3 0 0 0 0-1.4l7-3.5A3 3 0 1 0 15 7l-7 3.5a3 3 0 1 0 0 3l7 3.5A3 3 0 1 0 18 16z"/>',
  close: '<path d="M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6l5.6-5.6L5 6.4z"/>',
};
const QUARTILES = [25, 50, 75];

const svg = (name) =>
  `<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false" fill="currentColor">${ICONS[name]}</svg>`;

// Static markup only: no article text is ever interpolated here.
const MARKUP = `
<div class="np"><div class="box">
<div class="bar" part="bar" role="group">
  <button class="bar-play" type="button" aria-label="Play">${svg("play")}</button>
  <img class="art bar-art" alt="" hidden>
  <div class="bar-meta"><p class="bar-title"></p><p class="bar-time"><span class="bar-elapsed">0:00</span> / <span class="bar-total">0:00</span></p><p class="bar-time bar-failure" role="alert" hidden></p></div>
  <button class="bar-rate" type="button" title="Playback speed (&lt; and &gt;)">1×</button>
  <button class="expand" type="button" aria-expanded="false" aria-controls="full" aria-label="All controls" title="All controls">${svg("more")}</button>
  <div class="line" aria-hidden="true"><div></div></div>
</div>
<section class="player" id="full" part="player">
  <div class="head">
    <img class="art" alt="" hidden>
    <div class="meta">
      <p class="kicker"><span class="kicker-label">Listen to this article</span><span class="total"></span></p>
      <p class="title"></p>
    </div>
  </div>
  <div class="transport">
    <button class="play" type="button" aria-label="Play">${svg("play")}</button>
    <button class="skip back" type="button" aria-label="Back ${SKIP_SECONDS} seconds" title="Back ${SKIP_SECONDS} seconds (J)">${svg("back")}</button>
    <div class="timeline">
      <input class="seek" type="range" min="0" max="0" step="any" value="0" aria-label="Seek">
      <div class="times"><span class="elapsed">0:00</span><span class="remaining">0:00</span></div>
    </div>
    <button class="skip forward" type="button" aria-label="Forward ${SKIP_SECONDS} seconds" title="Forward ${SKIP_SECONDS} seconds (L)">${svg("forward")}</button>
  </div>
  <div class="row">
    <p class="now" hidden><span class="now-label">Now</span> <span class="now-title"></span></p>
    <button class="resume pill" type="button" hidden></button>
    <div class="settings">
      <label class="speed"><span class="visually-hidden">Playback speed</span>
        <select class="rate" title="Playback speed (&lt; and &gt;)"></select>
      </label>
      <div class="volume">
        <button class="mute" type="button" aria-label="Mute" aria-pressed="false" title="Mute (M)">${svg("volume")}</button>
        <input class="vol" type="range" min="0" max="1" step="0.05" value="1" aria-label="Volume">
      </div>
    </div>
  </div>
  <div class="tabs">
    <button class="tab toggle-chapters" type="button" aria-expanded="false" aria-controls="chapters" hidden>${svg("chapters")}<span>Chapters</span></button>
    <button class="tab toggle-transcript" type="button" aria-expanded="false" aria-controls="transcript" hidden>${svg("transcript")}<span>Read along</span></button>
    <span class="links">
      <a class="transcript-link" hidden>Transcript<span class="visually-hidden"> (WebVTT file)</span></a>
      <a class="download" download>${svg("download")}<span>Download</span><span class="visually-hidden"> audio</span></a>
    </span>
    <span class="more">
      <button class="tab np-share" type="button" title="Copy a link to this moment">${svg("share")}<span>Share</span></button>
      <details class="subscribe" hidden><summary class="tab">Subscribe</summary><ul class="apps"></ul></details>
      <button class="tab collapse" type="button" aria-controls="full" hidden>Fewer controls</button>
    </span>
  </div>
  <ol class="chapters" id="chapters" aria-label="Chapters" hidden></ol>
  <div class="transcript" id="transcript" role="group" aria-label="Transcript: select a sentence to play from it" hidden></div>
  <details class="keys">
    <summary>Keyboard shortcuts</summary>
    <dl>
      <div><dt><kbd>Space</kbd> or <kbd>K</kbd></dt><dd>Play or pause</dd></div>
      <div><dt><kbd>J</kbd> / <kbd>L</kbd></dt><dd>Back / forward ${SKIP_SECONDS} seconds</dd></div>
      <div><dt><kbd>←</kbd> / <kbd>→</kbd></dt><dd>Back / forward ${NUDGE_SECONDS} seconds</dd></div>
      <div><dt><kbd>Page Up</kbd> / <kbd>Page Down</kbd></dt><dd>On the seek bar: ${PAGE_SECONDS} seconds</dd></div>
      <div><dt><kbd>Home</kbd> / <kbd>End</kbd></dt><dd>On the seek bar: start / end</dd></div>
      <div><dt><kbd>P</kbd> / <kbd>N</kbd></dt><dd>Previous / next chapter</dd></div>
      <div><dt><kbd>&lt;</kbd> / <kbd>&gt;</kbd></dt><dd>Slower / faster</dd></div>
      <div><dt><kbd>M</kbd></dt><dd>Mute or unmute</dd></div>
      <div><dt><kbd>↑</kbd> / <kbd>↓</kbd></dt><dd>In the transcript: previous / next sentence; <kbd>Enter</kbd> plays it</dd></div>
    </dl>
  </details>
  <p class="status" role="status" aria-live="polite"></p>
  <audio preload="metadata"></audio>
</section></div>
<div class="mini" role="region" aria-label="Now playing" hidden>
  <button class="mini-play" type="button" aria-label="Pause">${svg("pause")}</button>
  <div class="bar-meta"><p class="mini-title"></p><p class="bar-time mini-time"></p></div>
  <button class="mini-close" type="button" aria-label="Close the mini player">${svg("close")}</button>
  <div class="line" aria-hidden="true"><div></div></div>
</div></div>`;

let template = null;
function playerTemplate() {
  if (!template) {
    template = document.createElement("template");
    template.innerHTML = MARKUP;
  }
  return template;
}

function clock(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function spokenDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const whole = Math.floor(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const part = (n, unit) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  const parts = [];
  if (h) parts.push(part(h, "hour"));
  if (m) parts.push(part(m, "minute"));
  if (s || !parts.length) parts.push(part(s, "second"));
  return parts.join(" ");
}

function minutesLabel(seconds) {
  return `${Math.max(1, Math.round(seconds / 60))} min`;
}

function rateLabel(rate) {
  return `${rate}×`;
}

function isDark(color) {
  const m = /rgba?\(([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+)(%?))?/.exec(color || "");
  if (!m) return null;
  const alpha = m[4] === undefined ? 1 : Number(m[4]) / (m[5] ? 100 : 1);
  if (alpha < 0.5) return null; // transparent: look further out
  return 0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3] < 128;
}

// The host page's theme: the first opaque background around the element, else the canvas.
function pageIsDark(element) {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const dark = isDark(getComputedStyle(node).backgroundColor);
    if (dark !== null) return dark;
  }
  const scheme = getComputedStyle(document.documentElement).colorScheme || "";
  return scheme.includes("dark") && (!scheme.includes("light") || matchMedia("(prefers-color-scheme: dark)").matches);
}

function startFromUrl() {
  const hash = /(?:^#|&)t=([\d:.]+)/.exec(location.hash);
  const raw = hash ? hash[1] : new URLSearchParams(location.search).get("t");
  if (!raw) return null;
  const seconds = raw.split(":").reduce((total, part) => total * 60 + Number(part), 0);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

function subscribeLinks(feed) {
  const links = [];
  if (/^https?:\/\//.test(feed)) {
    const bare = feed.replace(/^https?:\/\//, "");
    links.push(["Apple Podcasts", `podcast://${bare}`], ["Overcast", `overcast://x-callback-url/add?url=${encodeURIComponent(feed)}`],
      ["Pocket Casts", `pktc://subscribe/${bare}`]);
  }
  links.push(["RSS feed", feed]);
  return links;
}

function storageGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled (privacy mode, sandboxed iframe): the player works without memory
  }
}

function storageSet(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    /* storage full or disabled: remembering is a convenience, not a requirement */
  }
}

function ensureHostStyle() {
  if (document.getElementById(HOST_STYLE_ID)) return;
  const style = document.createElement("style");
  style.id = HOST_STYLE_ID;
  // :where() keeps specificity at zero so the host page can restyle the highlight.
  style.textContent = `
:where([data-narrate-sentence][data-narrate-current]) {
  box-shadow: -0.6em 0 0 -0.35em #d9a900;
}
:where(span[data-narrate-sentence][data-narrate-current]) {
  background-color: rgba(255, 214, 10, 0.45);
  box-shadow: none;
  border-radius: 2px;
  -webkit-box-decoration-break: clone;
  box-decoration-break: clone;
}`;
  document.head.append(style);
}

class NarratePlayer extends HTMLElement {
  static get observedAttributes() {
    return ["src", "episode-title", "artist", "artwork", "transcript", "chapters", "download", "duration", "theme", "layout", "feed", "manifest"];
  }

  constructor() {
    super();
    this.cues = [];
    this.chapterList = [];
    this.cueIndex = -1;
    this.chapterIndex = -1;
    this.lastSaved = 0;
    this.userScrolledAt = 0;
    this.hostMarked = [];
    this.openedDetails = [];
    this.quartiles = new Set();
    this.expanded = false;
    this.emittedRate = 1;
    this.inView = true;
    this.dismissed = false;
    this.root = this.attachShadow({ mode: "open" });
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("./player.css", import.meta.url).href;
    this.root.append(link, playerTemplate().content.cloneNode(true));
    const $ = (selector) => this.root.querySelector(selector);
    this.ui = {
      np: $(".np"), barPlay: $(".bar-play"), barArt: $(".bar-art"), barTitle: $(".bar-title"),
      barElapsed: $(".bar-elapsed"), barTotal: $(".bar-total"), barFailure: $(".bar-failure"), barRate: $(".bar-rate"), expand: $(".expand"),
      share: $(".np-share"), subscribe: $(".subscribe"), apps: $(".apps"), collapse: $(".collapse"), keys: $(".keys"),
      mini: $(".mini"), miniPlay: $(".mini-play"), miniTitle: $(".mini-title"), miniTime: $(".mini-time"),
      miniClose: $(".mini-close"), lines: this.root.querySelectorAll(".line div"),
      section: $(".player"), art: $(".player .art"), title: $(".title"), total: $(".total"),
      play: $(".play"), back: $(".back"), forward: $(".forward"), seek: $(".seek"),
      elapsed: $(".elapsed"), remaining: $(".remaining"), now: $(".now"), nowTitle: $(".now-title"),
      resume: $(".resume"), rate: $(".rate"), mute: $(".mute"), vol: $(".vol"),
      toggleChapters: $(".toggle-chapters"), toggleTranscript: $(".toggle-transcript"),
      transcriptLink: $(".transcript-link"), download: $(".download"),
      chapters: $(".chapters"), transcript: $(".transcript"), status: $(".status"), audio: $("audio"),
    };
    // An <audio> the page put inside the element has been loading the episode's metadata since the page
    // was parsed, before this module ran: use it, so being ready does not wait one more round trip.
    const early = this.querySelector(":scope > audio");
    if (early) {
      early.removeAttribute("hidden");
      this.ui.audio.replaceWith(early);
      this.ui.audio = early;
    }
    for (const rate of RATES) {
      const option = document.createElement("option");
      option.value = String(rate);
      option.textContent = rateLabel(rate);
      this.ui.rate.append(option);
    }
    this.bind();
  }

  get audio() {
    return this.ui.audio;
  }

  get duration() {
    const real = this.audio.duration;
    if (Number.isFinite(real) && real > 0) return real;
    const declared = Number.parseFloat(this.getAttribute("duration") || "");
    return Number.isFinite(declared) && declared > 0 ? declared : 0;
  }

  get episodeKey() {
    return POSITION_PREFIX + (this.getAttribute("episode") || this.getAttribute("src") || "");
  }

  connectedCallback() {
    if (this.connected) return;
    this.connected = true;
    this.render();
    const savedRate = Number.parseFloat(storageGet(RATE_KEY) || "1");
    this.setRate(RATES.includes(savedRate) ? savedRate : 1, false);
    this.onPlayElsewhere = (event) => {
      if (event.detail !== this && !this.audio.paused) this.audio.pause();
    };
    document.addEventListener(PLAY_EVENT, this.onPlayElsewhere);
    this.onPageHide = () => this.savePosition(true);
    window.addEventListener("pagehide", this.onPageHide);
    this.onHash = () => {
      const start = this.isFirst() ? startFromUrl() : null;
      if (start !== null) this.seekTo(start);
    };
    window.addEventListener("hashchange", this.onHash);
    this.onScheme = () => this.applyTheme();
    this.schemeQuery = matchMedia("(prefers-color-scheme: dark)");
    this.schemeQuery.addEventListener("change", this.onScheme);
    this.themeWatch = new MutationObserver(this.onScheme);
    for (const node of [document.documentElement, document.body]) {
      if (node) this.themeWatch.observe(node, { attributes: true, attributeFilter: ["class", "style", "data-theme"] });
    }
    this.viewWatch = new IntersectionObserver((entries) => {
      this.inView = entries[entries.length - 1].isIntersecting;
      this.updateMini();
    });
    this.viewWatch.observe(this);
    // An adopted <audio> may have failed before this module ran: its error event is gone, its error is not.
    if (this.audio.error) this.onMediaError();
  }

  isFirst() {
    return document.querySelector("narrate-player") === this;
  }

  applyTheme() {
    const theme = this.getAttribute("theme");
    const dark = theme === "dark" || (theme !== "light" && pageIsDark(this));
    this.ui.np.classList.toggle("dark", dark);
  }

  applyLayout() {
    const bar = this.getAttribute("layout") === "bar";
    this.ui.np.classList.toggle("is-bar", bar && !this.expanded);
    this.ui.collapse.hidden = !bar;
    this.ui.expand.setAttribute("aria-expanded", String(this.expanded));
  }

  setExpanded(expanded) {
    this.expanded = expanded;
    this.applyLayout();
    (expanded ? this.ui.collapse : this.ui.expand).focus();
  }

  updateMini() {
    const show = !this.audio.paused && !this.inView && !this.dismissed;
    this.ui.mini.hidden = !show;
  }

  emit(type, extra) {
    const detail = {
      episode: this.getAttribute("episode") || this.getAttribute("src") || "",
      position: Math.round(this.audio.currentTime * 1000) / 1000,
      duration: Math.round(this.duration * 1000) / 1000,
      ...extra,
    };
    this.dispatchEvent(new CustomEvent(`narrate:${type}`, { bubbles: true, composed: true, detail }));
    if (this.hasAttribute("data-layer")) {
      const name = this.getAttribute("data-layer") || "dataLayer";
      (window[name] = window[name] || []).push({ event: `narrate:${type}`, ...detail });
    }
  }

  async share() {
    const url = new URL(location.href);
    url.searchParams.delete("t");
    const at = Math.floor(this.audio.currentTime);
    url.hash = `t=${at}`;
    try {
      await navigator.clipboard.writeText(url.href);
      this.announce(`Link to ${clock(at)} copied.`);
    } catch {
      if (navigator.share) navigator.share({ url: url.href, title: this.getAttribute("episode-title") || "" }).catch(() => {});
      else this.announce(`Link to ${clock(at)}: ${url.href}`);
    }
  }

  renderSubscribe() {
    const feed = this.getAttribute("feed");
    this.ui.subscribe.hidden = !feed;
    this.ui.apps.replaceChildren();
    if (!feed) return;
    for (const [label, href] of subscribeLinks(feed)) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.textContent = label;
      link.href = href;
      item.append(link);
      this.ui.apps.append(item);
    }
  }

  disconnectedCallback() {
    document.removeEventListener(PLAY_EVENT, this.onPlayElsewhere);
    window.removeEventListener("pagehide", this.onPageHide);
    window.removeEventListener("hashchange", this.onHash);
    this.schemeQuery.removeEventListener("change", this.onScheme);
    this.themeWatch.disconnect();
    this.viewWatch.disconnect();
    this.savePosition(true);
    this.connected = false;
  }

  attributeChangedCallback() {
    if (this.connected) this.render();
  }

  render() {
    const { ui } = this;
    const title = this.getAttribute("episode-title") || "";
    ui.title.textContent = title;
    ui.barTitle.textContent = title;
    ui.miniTitle.textContent = title;
    const label = title ? `Audio player: ${title}` : "Audio player";
    ui.section.setAttribute("aria-label", label);
    ui.np.querySelector(".bar").setAttribute("aria-label", label);
    const artwork = this.getAttribute("artwork");
    for (const art of [ui.art, ui.barArt]) {
      art.hidden = !artwork;
      if (artwork) art.src = artwork;
    }
    this.applyTheme();
    this.applyLayout();
    this.renderSubscribe();
    const src = this.getAttribute("src") || "";
    if (this.loadedSrc !== src) {
      this.loadedSrc = src;
      if (this.audio.getAttribute("src") !== src) this.audio.src = src;
      this.loadTranscript();
      // An adopted <audio> may have its metadata before this element was connected: start (resume, #t=) now.
      if (this.audio.readyState >= 1 && !this.started) this.audio.dispatchEvent(new Event("loadedmetadata"));
    }
    const download = this.getAttribute("download") || src;
    ui.download.hidden = !download;
    if (download) ui.download.href = download;
    const transcript = this.getAttribute("transcript");
    ui.transcriptLink.hidden = !transcript;
    if (transcript) ui.transcriptLink.href = transcript;
    if (this.getAttribute("transcript") !== this.loadedTranscript) this.loadTranscript();
    if (this.getAttribute("chapters") !== this.loadedChapters) this.loadChapters();
    const manifest = this.getAttribute("manifest");
    if (manifest !== this.loadedManifest) {
      this.loadedManifest = manifest;
      if (manifest) this.readManifest(false);
    }
    this.updateTime();
  }

  // ---- manifest ----

  // Reads the manifest (fresh: past every cache) and applies it; "ok", "removed" (404/410) or null (not
  // readable now: offline, no CORS, a server error), in which case the attributes stand.
  async readManifest(fresh) {
    const address = this.getAttribute("manifest");
    let response;
    let data;
    try {
      const url = new URL(address, document.baseURI);
      if (fresh) url.searchParams.set("_", String(Date.now()));
      response = await fetch(url, { cache: fresh ? "no-store" : "no-cache", headers: { Accept: "application/json" } });
      if (response.status === 404 || response.status === 410) data = null;
      else if (response.ok) data = await response.json();
      else return null;
    } catch {
      return null;
    }
    if (address !== this.getAttribute("manifest")) return null;
    this.removed = !data;
    if (!data) {
      // Taken down: the manifest is served no-cache, so its 404 is the origin's word now, while the audio
      // may still sit in this browser's cache (content-named files are cached for a year).
      this.audio.pause();
      this.audio.removeAttribute("src");
      this.audio.load();
      this.ui.download.hidden = true;
      this.fail();
      return "removed";
    }
    // relative_url is resolved against the manifest's own address, so a feed folder plays wherever it is served.
    const at = (entry) => {
      if (!entry) return null;
      try {
        const url = new URL(entry.relative_url || entry.url, response.url);
        return /^https?:$/.test(url.protocol) ? url.href : null;
      } catch {
        return null;
      }
    };
    const same = (name, value) => {
      const current = this.getAttribute(name);
      try {
        return current !== null && new URL(current, document.baseURI).href === value;
      } catch {
        return false;
      }
    };
    for (const [name, entry] of [["transcript", data.transcript], ["chapters", data.chapters], ["artwork", data.artwork], ["feed", data.feed]]) {
      const url = at(entry);
      if (url && !same(name, url)) this.setAttribute(name, url);
    }
    const src = at(data.audio);
    if (src && !same("src", src)) {
      const audio = this.audio;
      if (!this.resumeAt && (audio.currentTime > 0 || !audio.paused)) this.resumeAt = { time: audio.currentTime, play: !audio.paused };
      this.failure = null;
      this.showFailure();
      this.setAttribute("src", src);
    }
    const texts = { "episode-title": data.title, artist: data.artist, type: data.audio && data.audio.type };
    if (!this.getAttribute("episode")) texts.episode = data.guid;
    if (Number(data.duration) > 0) texts.duration = Number(data.duration).toFixed(3);
    for (const [name, value] of Object.entries(texts)) {
      if (typeof value === "string" && value && this.getAttribute(name) !== value) this.setAttribute(name, value);
    }
    return "ok";
  }

  async onMediaError() {
    const failed = this.audio.getAttribute("src");
    if (this.getAttribute("manifest") && this.refreshedFor !== failed) {
      this.refreshedFor = failed;
      this.resumeAt = { time: this.started ? this.audio.currentTime || this.lastTime : 0, play: this.playRequested };
      const read = await this.readManifest(true);
      if (read === "removed" || (read === "ok" && this.audio.getAttribute("src") !== failed)) return;
      this.resumeAt = null;
    }
    if (this.audio.getAttribute("src") === failed) this.fail();
  }

  // The audio is gone: taken down (its manifest is 404), missing, or not decodable; never called for a
  // blocked autoplay. (Browsers report a 404 as an unsupported source, so only a decode error is told apart.)
  fail() {
    const error = this.audio.error;
    this.failure = this.removed ? "This audio was removed."
      : error && error.code === error.MEDIA_ERR_DECODE ? "This audio could not be played." : "This audio is no longer available.";
    this.announce(this.failure);
    this.showFailure();
    this.emit("error", { message: "audio", removed: Boolean(this.removed) });
  }

  showFailure() {
    const { barFailure } = this.ui;
    barFailure.textContent = this.failure || "";
    barFailure.hidden = !this.failure;
    barFailure.previousElementSibling.hidden = Boolean(this.failure);
  }

  bind() {
    const { ui, audio } = this;
    ui.play.addEventListener("click", () => this.togglePlay());
    ui.barPlay.addEventListener("click", () => this.togglePlay());
    ui.miniPlay.addEventListener("click", () => this.togglePlay());
    ui.miniClose.addEventListener("click", () => {
      this.dismissed = true;
      this.updateMini();
    });
    ui.barRate.addEventListener("click", () => this.setRate(RATES[(RATES.indexOf(Number(ui.rate.value)) + 1) % RATES.length], true));
    ui.expand.addEventListener("click", () => this.setExpanded(true));
    ui.collapse.addEventListener("click", () => this.setExpanded(false));
    ui.share.addEventListener("click", () => this.share());
    ui.back.addEventListener("click", () => this.skip(-SKIP_SECONDS));
    ui.forward.addEventListener("click", () => this.skip(SKIP_SECONDS));
    ui.seek.addEventListener("input", () => this.seekTo(Number(ui.seek.value)));
    ui.seek.addEventListener("keydown", (event) => this.onSeekKey(event));
    ui.rate.addEventListener("change", () => this.setRate(Number(ui.rate.value), true));
    ui.mute.addEventListener("click", () => this.toggleMute());
    ui.vol.addEventListener("input", () => {
      audio.volume = Number(ui.vol.value);
      audio.muted = audio.volume === 0;
    });
    ui.resume.addEventListener("click", () => {
      const position = Number(ui.resume.dataset.position || "0");
      this.seekTo(position);
      this.play();
    });
    ui.toggleChapters.addEventListener("click", () => this.togglePanel(ui.toggleChapters, ui.chapters));
    ui.toggleTranscript.addEventListener("click", () => this.togglePanel(ui.toggleTranscript, ui.transcript));
    ui.chapters.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-start]");
      if (button) this.seekTo(Number(button.dataset.start), true);
    });
    ui.transcript.addEventListener("click", (event) => {
      const sentence = event.target.closest("[data-cue]");
      if (sentence) this.playCue(Number(sentence.dataset.cue));
    });
    ui.transcript.addEventListener("keydown", (event) => this.onTranscriptKey(event));
    for (const kind of ["wheel", "touchmove"]) {
      ui.transcript.addEventListener(kind, () => (this.userScrolledAt = Date.now()), { passive: true });
    }
    this.root.addEventListener("keydown", (event) => this.onKey(event));

    audio.addEventListener("play", () => this.onPlay());
    audio.addEventListener("pause", () => {
      if (!audio.error) this.playRequested = false;
      this.updatePlayButton();
      this.savePosition(true);
      if (!audio.ended) this.emit("pause");
    });
    audio.addEventListener("ended", () => {
      this.updatePlayButton();
      storageSet(this.episodeKey, null);
      this.emit("ended");
    });
    audio.addEventListener("timeupdate", () => {
      const before = this.lastTime || 0;
      this.lastTime = audio.currentTime;
      this.updateTime();
      this.savePosition(false);
      const total = this.duration;
      if (!total || audio.paused || audio.seeking) return;
      for (const q of QUARTILES) {
        const at = (total * q) / 100;
        if (!this.quartiles.has(q) && before < at && audio.currentTime >= at && audio.currentTime - before < 5) {
          this.quartiles.add(q);
          this.emit("progress", { percent: q });
        }
      }
    });
    audio.addEventListener("seeked", () => this.updateTime());
    audio.addEventListener("durationchange", () => this.updateTime());
    audio.addEventListener("progress", () => this.updateBuffered());
    audio.addEventListener("loadedmetadata", () => {
      audio.playbackRate = Number(ui.rate.value);
      // The manifest named new audio after the old one failed (or while it played): go on where it was.
      const resume = this.resumeAt;
      this.resumeAt = null;
      if (resume && resume.time) audio.currentTime = Math.min(resume.time, audio.duration || resume.time);
      else {
        const start = this.started ? null : this.isFirst() ? startFromUrl() : null;
        if (start !== null) this.seekTo(start);
        else this.offerResume();
      }
      this.started = true;
      this.updateTime();
      if (resume && resume.play) this.play();
    });
    audio.addEventListener("ratechange", () => {
      const rate = audio.playbackRate;
      if (RATES.includes(rate)) ui.rate.value = String(rate);
      ui.barRate.textContent = rateLabel(rate);
      ui.barRate.setAttribute("aria-label", `Playback speed ${rateLabel(rate)}`);
      if (rate !== this.emittedRate) this.emit("ratechange", { rate }); // default and current rate both fire it
      this.emittedRate = rate;
    });
    audio.addEventListener("volumechange", () => {
      ui.vol.value = String(audio.muted ? 0 : audio.volume);
      ui.mute.setAttribute("aria-pressed", String(audio.muted));
      ui.mute.setAttribute("aria-label", audio.muted ? "Unmute" : "Mute");
      ui.mute.innerHTML = svg(audio.muted || audio.volume === 0 ? "muted" : "volume");
    });
    audio.addEventListener("error", () => {
      if (audio.getAttribute("src")) this.onMediaError();
    });
  }

  togglePlay() {
    if (this.audio.paused) this.play();
    else this.audio.pause();
  }

  play() {
    if (this.removed) return this.announce(this.failure);
    this.ui.resume.hidden = true;
    this.playRequested = true;
    const started = this.audio.play();
    if (started) {
      started.catch((error) => {
        // Only NotAllowedError is the browser's autoplay policy; a missing or broken file rejects with
        // NotSupportedError, and its error event says what happened.
        if (error && error.name === "NotAllowedError") this.announce("Playback was blocked by the browser. Press play again.");
        else if (this.failure) this.announce(this.failure);
      });
    }
  }

  onPlay() {
    this.ui.resume.hidden = true;
    this.dismissed = false;
    this.emit("play");
    this.updatePlayButton();
    document.dispatchEvent(new CustomEvent(PLAY_EVENT, { detail: this }));
    this.setupMediaSession();
  }

  updatePlayButton() {
    const playing = !this.audio.paused;
    for (const button of [this.ui.play, this.ui.barPlay, this.ui.miniPlay]) {
      button.setAttribute("aria-label", playing ? "Pause" : "Play");
      button.innerHTML = svg(playing ? "pause" : "play");
    }
    this.ui.play.title = playing ? "Pause (K)" : "Play (K)";
    this.ui.section.classList.toggle("playing", playing);
    this.updateMini();
  }

  skip(delta) {
    this.seekTo(this.audio.currentTime + delta);
  }

  seekTo(seconds, andPlay = false) {
    const end = this.duration;
    let target = Math.max(0, seconds);
    if (end) target = Math.min(target, end);
    const from = this.audio.currentTime;
    this.audio.currentTime = target;
    this.lastTime = target;
    this.updateTime(target);
    this.emit("seek", { from: Math.round(from * 1000) / 1000 });
    if (andPlay && this.audio.paused) this.play();
  }

  setRate(rate, remember) {
    this.audio.defaultPlaybackRate = rate;
    this.audio.playbackRate = rate;
    this.ui.rate.value = String(rate);
    if (remember) storageSet(RATE_KEY, String(rate));
  }

  stepRate(direction) {
    const index = RATES.indexOf(Number(this.ui.rate.value));
    const next = RATES[Math.min(RATES.length - 1, Math.max(0, index + direction))];
    this.setRate(next, true);
    this.announce(`Speed ${rateLabel(next)}`);
  }

  toggleMute() {
    const audio = this.audio;
    if (audio.muted || audio.volume === 0) {
      audio.muted = false;
      if (audio.volume === 0) audio.volume = 1;
    } else {
      audio.muted = true;
    }
  }

  togglePanel(button, panel) {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    if (open && panel === this.ui.transcript) this.scrollTranscript(true);
  }

  announce(message) {
    this.ui.status.textContent = message;
  }

  // A later load succeeded (the manifest named current files after the page's stale ones failed).
  settle(message) {
    if (this.ui.status.textContent === message) this.announce("");
  }

  // ---- time, position, resume ----

  updateTime(at) {
    const { ui } = this;
    const current = at ?? this.audio.currentTime;
    const total = this.duration;
    ui.seek.max = String(total || 0);
    ui.seek.value = String(Math.min(current, total || current));
    const percent = total ? (100 * current) / total : 0;
    ui.seek.style.setProperty("--progress", `${percent}%`);
    ui.seek.setAttribute("aria-valuetext", `${spokenDuration(current)} of ${spokenDuration(total)}`);
    ui.elapsed.textContent = clock(current);
    ui.remaining.textContent = total ? `-${clock(total - current)}` : "0:00";
    ui.total.textContent = total ? minutesLabel(total) : "";
    ui.barElapsed.textContent = clock(current);
    ui.barTotal.textContent = clock(total);
    ui.miniTime.textContent = `${clock(current)} / ${clock(total)}`;
    for (const line of ui.lines) line.style.width = `${percent}%`;
    this.updateChapter(current);
    this.updateCue(current);
  }

  updateBuffered() {
    const { buffered } = this.audio;
    const total = this.duration;
    if (!total || !buffered.length) return;
    const end = buffered.end(buffered.length - 1);
    this.ui.seek.style.setProperty("--buffered", `${(100 * end) / total}%`);
  }

  savePosition(force) {
    const now = Date.now();
    if (!force && now - this.lastSaved < SAVE_EVERY_MS) return;
    this.lastSaved = now;
    const position = this.audio.currentTime;
    if (this.audio.ended) return;
    if (position >= RESUME_MIN_SECONDS) storageSet(this.episodeKey, position.toFixed(1));
  }

  offerResume() {
    const saved = Number.parseFloat(storageGet(this.episodeKey) || "");
    const total = this.duration;
    if (!Number.isFinite(saved) || saved < RESUME_MIN_SECONDS || (total && saved > total - RESUME_MIN_SECONDS)) return;
    if (this.audio.currentTime > 0) return;
    this.ui.resume.dataset.position = String(saved);
    this.ui.resume.textContent = `Resume at ${clock(saved)}`;
    this.ui.resume.hidden = false;
  }

  // ---- keyboard ----

  onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.composedPath()[0];
    const tag = target && target.tagName;
    if (tag === "SELECT") return;
    const onButtonLike = tag === "BUTTON" || tag === "A" || tag === "SUMMARY" || (target.getAttribute && target.getAttribute("role") === "button");
    const onRange = tag === "INPUT";
    const key = event.key;
    let handled = true;
    if (key === " " && !onButtonLike) this.togglePlay();
    else if (key === "k" || key === "K") this.togglePlay();
    else if (key === "j" || key === "J") this.skip(-SKIP_SECONDS);
    else if (key === "l" || key === "L") this.skip(SKIP_SECONDS);
    else if (key === "ArrowLeft" && !onRange) this.skip(-NUDGE_SECONDS);
    else if (key === "ArrowRight" && !onRange) this.skip(NUDGE_SECONDS);
    else if (key === "m" || key === "M") this.toggleMute();
    else if (key === "n" || key === "N") this.nextChapter();
    else if (key === "p" || key === "P") this.previousChapter();
    else if (key === "<") this.stepRate(-1);
    else if (key === ">") this.stepRate(1);
    else handled = false;
    if (handled) event.preventDefault();
  }

  onSeekKey(event) {
    const current = this.audio.currentTime;
    const moves = {
      ArrowLeft: -NUDGE_SECONDS, ArrowDown: -NUDGE_SECONDS, ArrowRight: NUDGE_SECONDS, ArrowUp: NUDGE_SECONDS,
      PageDown: -PAGE_SECONDS, PageUp: PAGE_SECONDS,
    };
    if (event.key in moves) this.seekTo(current + moves[event.key]);
    else if (event.key === "Home") this.seekTo(0);
    else if (event.key === "End") this.seekTo(this.duration);
    else return;
    event.preventDefault();
    event.stopPropagation();
  }

  onTranscriptKey(event) {
    const target = event.composedPath()[0];
    if (!target.dataset || target.dataset.cue === undefined) return;
    const index = Number(target.dataset.cue);
    let next = null;
    if (event.key === "ArrowDown" || event.key === "ArrowRight") next = Math.min(this.cues.length - 1, index + 1);
    else if (event.key === "ArrowUp" || event.key === "ArrowLeft") next = Math.max(0, index - 1);
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = this.cues.length - 1;
    else if (event.key === "Enter" || event.key === " ") {
      this.playCue(index);
      event.preventDefault();
      event.stopPropagation();
      return;
    } else return;
    event.preventDefault();
    event.stopPropagation();
    this.focusCue(next);
  }

  // ---- chapters ----

  async loadChapters() {
    const url = this.getAttribute("chapters");
    this.loadedChapters = url;
    this.chapterList = [];
    this.renderChapters();
    if (!url) return;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json+chapters, application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const data = await response.json();
      if (url !== this.loadedChapters) return;
      this.chapterList = (Array.isArray(data.chapters) ? data.chapters : [])
        .filter((c) => c && Number.isFinite(Number(c.startTime)) && c.toc !== false)
        .map((c) => ({ start: Number(c.startTime), title: String(c.title ?? "") }))
        .sort((a, b) => a.start - b.start);
      this.settle(CHAPTERS_FAILED);
    } catch {
      if (url !== this.loadedChapters) return;
      this.announce(CHAPTERS_FAILED);
      this.emit("error", { message: "chapters" });
    }
    this.renderChapters();
    this.updateTime();
  }

  renderChapters() {
    const { chapters, toggleChapters } = this.ui;
    chapters.replaceChildren();
    this.chapterIndex = -1;
    this.chapterList.forEach((chapter, index) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.start = String(chapter.start);
      button.dataset.index = String(index);
      const time = document.createElement("span");
      time.className = "chapter-time";
      time.textContent = clock(chapter.start);
      const title = document.createElement("span");
      title.className = "chapter-title";
      title.textContent = chapter.title;
      button.append(title, time);
      item.append(button);
      chapters.append(item);
    });
    toggleChapters.hidden = this.chapterList.length === 0;
    toggleChapters.querySelector("span").textContent = this.chapterList.length
      ? `Chapters (${this.chapterList.length})`
      : "Chapters";
  }

  chapterAt(seconds) {
    let found = -1;
    for (let i = 0; i < this.chapterList.length; i += 1) {
      if (this.chapterList[i].start <= seconds + 0.001) found = i;
      else break;
    }
    return found;
  }

  updateChapter(seconds) {
    const index = this.chapterAt(seconds);
    if (index === this.chapterIndex) return;
    this.chapterIndex = index;
    const { now, nowTitle, chapters } = this.ui;
    now.hidden = index < 0;
    nowTitle.textContent = index >= 0 ? this.chapterList[index].title : "";
    if (index >= 0 && !this.audio.paused) this.emit("chapter", { index, title: this.chapterList[index].title });
    for (const button of chapters.querySelectorAll("button")) {
      if (Number(button.dataset.index) === index) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
    }
  }

  nextChapter() {
    const index = this.chapterAt(this.audio.currentTime);
    if (index + 1 < this.chapterList.length) this.seekTo(this.chapterList[index + 1].start);
  }

  previousChapter() {
    const t = this.audio.currentTime;
    const index = this.chapterAt(t);
    if (index < 0) return this.seekTo(0);
    const start = this.chapterList[index].start;
    // Like a CD player: a press early in a chapter goes to the one before, otherwise to this one's start.
    this.seekTo(t - start > 3 || index === 0 ? start : this.chapterList[index - 1].start);
  }

  // ---- transcript ----

  async loadTranscript() {
    const url = this.getAttribute("transcript");
    this.loadedTranscript = url;
    // Only the latest load may fill the cues: an earlier one (the page's transcript, then the manifest's)
    // is dropped, and the error of a track removed while loading is not the reader's concern.
    const generation = (this.transcriptGeneration = (this.transcriptGeneration || 0) + 1);
    const current = () => generation === this.transcriptGeneration;
    for (const old of this.audio.querySelectorAll("track")) old.remove();
    if (this.transcriptBlob) URL.revokeObjectURL(this.transcriptBlob);
    this.transcriptBlob = null;
    this.cues = [];
    this.renderTranscript();
    if (!url) return;
    // Fetched, then handed to <track> as a same-origin blob: a cross-origin <track> would force CORS
    // mode on the audio too, and a CDN without CORS headers would then break playback itself.
    let text;
    try {
      const response = await fetch(url, { headers: { Accept: "text/vtt" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch {
      if (!current()) return;
      this.announce(TRANSCRIPT_FAILED);
      this.emit("error", { message: "transcript" });
      return;
    }
    if (!current()) return;
    this.transcriptBlob = URL.createObjectURL(new Blob([text], { type: "text/vtt" }));
    const track = document.createElement("track");
    track.kind = "metadata";
    track.label = "Transcript";
    track.src = this.transcriptBlob;
    track.addEventListener("load", () => {
      if (!current()) return;
      const cues = Array.from(track.track.cues || []);
      this.cues = cues.map((cue) => ({
        id: cue.id,
        start: cue.startTime,
        end: cue.endTime,
        // getCueAsHTML parses WebVTT cue text (entities, <v> spans) into inert nodes; only its text is kept.
        text: cue.getCueAsHTML().textContent.replace(/\s+/g, " ").trim(),
      }));
      this.settle(TRANSCRIPT_FAILED);
      this.settle(TRANSCRIPT_UNREADABLE);
      this.renderTranscript();
      this.updateTime();
    });
    track.addEventListener("error", () => current() && this.announce(TRANSCRIPT_UNREADABLE));
    this.audio.append(track);
    track.track.mode = "hidden";
  }

  renderTranscript() {
    const { transcript, toggleTranscript } = this.ui;
    transcript.replaceChildren();
    this.cueIndex = -1;
    this.cueNodes = [];
    let block = null;
    let chapter = -2;
    this.cues.forEach((cue, index) => {
      const cueChapter = this.chapterAt(cue.start);
      if (cueChapter !== chapter || !block) {
        chapter = cueChapter;
        if (cueChapter >= 0) {
          const heading = document.createElement("p");
          heading.className = "transcript-heading";
          heading.textContent = this.chapterList[cueChapter].title;
          transcript.append(heading);
        }
        block = document.createElement("p");
        block.className = "transcript-block";
        transcript.append(block);
      }
      const sentence = document.createElement("span");
      sentence.className = "sentence";
      sentence.setAttribute("role", "button");
      sentence.tabIndex = index === 0 ? 0 : -1;
      sentence.dataset.cue = String(index);
      sentence.dataset.cueId = cue.id;
      sentence.textContent = cue.text;
      block.append(sentence, document.createTextNode(" "));
      this.cueNodes.push(sentence);
    });
    toggleTranscript.hidden = this.cues.length === 0;
  }

  cueAt(seconds) {
    const cues = this.cues;
    let low = 0;
    let high = cues.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (cues[mid].start <= seconds + 0.001) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }

  updateCue(seconds) {
    if (!this.cues.length) return;
    if (this.chapterList.length && this.renderedWithChapters !== this.chapterList) {
      this.renderedWithChapters = this.chapterList;
      this.renderTranscript();
    }
    const index = this.cueAt(seconds);
    if (index === this.cueIndex) return;
    const previous = this.cueNodes[this.cueIndex];
    if (previous) {
      previous.classList.remove("current");
      previous.removeAttribute("aria-current");
    }
    this.cueIndex = index;
    const node = this.cueNodes[index];
    if (node) {
      node.classList.add("current");
      node.setAttribute("aria-current", "true");
      if (!this.root.activeElement || !this.ui.transcript.contains(this.root.activeElement)) {
        for (const other of this.cueNodes) other.tabIndex = -1;
        node.tabIndex = 0;
      }
    }
    this.dataset.currentSentence = index >= 0 ? this.cues[index].id : "";
    this.scrollTranscript(false);
    this.highlightHostPage(index >= 0 ? this.cues[index].id : null);
  }

  focusCue(index) {
    if (index === null || !this.cueNodes[index]) return;
    for (const node of this.cueNodes) node.tabIndex = -1;
    this.cueNodes[index].tabIndex = 0;
    this.cueNodes[index].focus();
  }

  playCue(index) {
    const cue = this.cues[index];
    if (cue) this.seekTo(cue.start, true);
  }

  scrollTranscript(force) {
    const panel = this.ui.transcript;
    const node = this.cueNodes && this.cueNodes[this.cueIndex];
    if (panel.hidden || !node) return;
    if (!force && Date.now() - this.userScrolledAt < USER_SCROLL_GRACE_MS) return;
    const top = node.offsetTop; // the panel is position: relative, so this is relative to it
    const wanted = top - panel.clientHeight / 3;
    if (!force && top > panel.scrollTop && top + node.offsetHeight < panel.scrollTop + panel.clientHeight * 0.75) return;
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    panel.scrollTo({ top: Math.max(0, wanted), behavior: reduce || force ? "auto" : "smooth" });
  }

  highlightHostPage(cueId) {
    if (!this.hasAttribute("highlight-page")) return;
    for (const element of this.hostMarked) element.removeAttribute("data-narrate-current");
    this.hostMarked = [];
    if (!cueId) return this.openDetails();
    ensureHostStyle();
    const selector = `[data-narrate-sentence~="${CSS.escape(cueId)}"]`;
    this.hostMarked = Array.from(document.querySelectorAll(selector));
    for (const element of this.hostMarked) element.setAttribute("data-narrate-current", "");
    this.openDetails();
  }

  // A closed <details> (a FAQ answer) opens while its text is read, and closes again after.
  openDetails() {
    const needed = new Set();
    for (const element of this.hostMarked) {
      const details = element.closest("details");
      const summary = element.closest("summary");
      if (details && !(summary && summary.parentElement === details)) needed.add(details);
    }
    for (const details of this.openedDetails) if (!needed.has(details)) details.open = false;
    this.openedDetails = this.openedDetails.filter((details) => needed.has(details));
    for (const details of needed) {
      if (!details.open) {
        details.open = true;
        this.openedDetails.push(details);
      }
    }
  }

  // ---- Media Session ----

  setupMediaSession() {
    if (!("mediaSession" in navigator)) return;
    const session = navigator.mediaSession;
    const artwork = this.getAttribute("artwork");
    try {
      session.metadata = new MediaMetadata({
        title: this.getAttribute("episode-title") || "",
        artist: this.getAttribute("artist") || "",
        album: this.chapterIndex >= 0 ? this.chapterList[this.chapterIndex].title : "",
        artwork: artwork ? [{ src: new URL(artwork, document.baseURI).href, sizes: "512x512" }] : [],
      });
    } catch {
      /* an artwork URL the browser rejects must not stop playback */
    }
    const handlers = {
      play: () => this.play(),
      pause: () => this.audio.pause(),
      seekbackward: (details) => this.skip(-(details.seekOffset || SKIP_SECONDS)),
      seekforward: (details) => this.skip(details.seekOffset || SKIP_SECONDS),
      seekto: (details) => this.seekTo(details.seekTime),
      previoustrack: () => this.previousChapter(),
      nexttrack: () => this.nextChapter(),
    };
    for (const [action, handler] of Object.entries(handlers)) {
      try {
        session.setActionHandler(action, handler);
      } catch {
        /* the browser does not support this action */
      }
    }
  }
}

if (!customElements.get("narrate-player")) customElements.define("narrate-player", NarratePlayer);

export { NarratePlayer, clock, spokenDuration };
