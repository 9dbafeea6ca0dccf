/* report.js - the case report's synchronised player (vidx-report).
 *
 * Every clip is held at its true offset on one true-time axis: at true
 * time T a clip whose first frame is at true time S and media time T0
 * shows media time T0 + (T - S), clamped to the clip.  The page's data
 * (times in microseconds since the Unix epoch, UTC) is in #vidx-data.
 * report.html#t=2022-07-05T01:25:13Z opens at that true time.  Nothing
 * here fetches anything: the page's policy forbids it.
 */
(function () {
	'use strict';
	var D = JSON.parse(document.getElementById('vidx-data').textContent);
	var videos = [].slice.call(document.querySelectorAll('video[data-clip]'));
	var scrub = document.getElementById('scrub');
	var T = D.from, playing = false, last = 0, rate = 1;

	function $(id) { return document.getElementById(id); }
	function pad(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }

	/* the zone's offset (s) at UTC instant us, from the table in the data */
	function offAt(us) {
		var o = D.zones.length ? D.zones[0][1] : 0;
		for (var i = 0; i < D.zones.length && D.zones[i][0] <= us; i++) o = D.zones[i][1];
		return o;
	}
	function fields(us) {
		var ms = Math.floor(us / 1000), d = new Date(ms);
		return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1, 2) + '-' +
			pad(d.getUTCDate(), 2) + ' ' + pad(d.getUTCHours(), 2) + ':' +
			pad(d.getUTCMinutes(), 2) + ':' + pad(d.getUTCSeconds(), 2) + '.' +
			pad(((ms % 1000) + 1000) % 1000, 3);
	}
	function iso(us) {
		return fields(us).replace(' ', 'T') + 'Z';
	}
	function local(us) {
		var o = offAt(us), s = fields(us + o * 1e6), a = Math.abs(o);
		return s + (o ? ' UTC' + (o < 0 ? '\u2212' : '+') + pad(Math.floor(a / 3600), 2) +
			':' + pad(Math.floor(a % 3600 / 60), 2) : ' UTC');
	}

	/* a time typed or linked: ISO 8601 with Z or an offset; a local
	 * "YYYY-MM-DD HH:MM[:SS[.fff]]" or "HH:MM[:SS]" (on the current day) in
	 * the report's zone.  Returns us, or NaN. */
	function parseTime(s) {
		s = String(s).trim();
		var m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?(Z|[+-]\d\d:?\d\d)?$/i.exec(s);
		var y, mo, d, h, mi, se, fr, z;
		if (!m) {
			var t = /^(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?$/.exec(s);
			if (!t) return NaN;
			var day = fields(T + offAt(T) * 1e6);
			m = [s, day.slice(0, 4), day.slice(5, 7), day.slice(8, 10), t[1], t[2], t[3], t[4], undefined];
		}
		y = +m[1]; mo = +m[2]; d = +m[3]; h = +m[4]; mi = +m[5]; se = +(m[6] || 0);
		fr = m[7] ? +((m[7] + '000000').slice(0, 6)) : 0; z = m[8];
		if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return NaN;
		var wall = Date.UTC(y, mo - 1, d, h, mi, se) * 1000 + fr;
		if (z === undefined) {
			/* local wall time: the offset in force there (two passes settle it) */
			var u = wall - offAt(wall) * 1e6;
			return wall - offAt(u) * 1e6;
		}
		if (/^z$/i.test(z)) return wall;
		var sg = z[0] === '-' ? -1 : 1, hh = +z.slice(1, 3), mm = +z.slice(-2);
		return wall - sg * (hh * 3600 + mm * 60) * 1e6;
	}

	function clipOf(v) { return D.clips[+v.dataset.index]; }

	/* where video V must be at true time T: [media time, state] */
	function want(v, t) {
		var c = clipOf(v), m = c.t0 + (t - c.start) / 1e6;
		if (m < c.t0) return [c.t0, 'before'];
		if (m > c.t0 + c.dur) return [c.t0 + c.dur, 'after'];
		return [m, 'on'];
	}

	function show(v, state) {
		var fig = v.closest('figure'), st = fig && fig.querySelector('.state');
		if (fig) fig.className = 'cam-video ' + state;
		if (st) st.textContent = state === 'on' ? '' : state === 'before' ?
			'no footage yet: the clip starts later' : 'no more footage: the clip has ended';
	}

	function place(v, t, force) {
		var w = want(v, t);
		show(v, w[1]);
		if (w[1] !== 'on' && !v.paused) v.pause();
		if (force || Math.abs(v.currentTime - w[0]) > 0.15 || v.paused) {
			if (Math.abs(v.currentTime - w[0]) > 1e-4) v.currentTime = w[0];
		}
		return w;
	}

	var hashTimer = 0;
	function setT(t, opts) {
		opts = opts || {};
		if (!(t === t)) return;
		T = Math.min(Math.max(t, D.from), D.to);
		videos.forEach(function (v) { place(v, T, true); });
		render();
		if (opts.hash !== false) {
			clearTimeout(hashTimer);
			hashTimer = setTimeout(function () {
				try { history.replaceState(null, '', '#t=' + iso(T)); } catch (e) { /* a file: URL may refuse */ }
			}, 250);
		}
	}

	function render() {
		scrub.value = String(Math.round((T - D.from) / 1000));
		$('now-utc').textContent = iso(T);
		$('now-local').textContent = local(T);
		$('link').textContent = 'report.html#t=' + iso(T);
		var svg = $('timeline-svg'), cur = $('tl-cursor');
		if (svg && cur) {
			var a = +svg.dataset.a, b = +svg.dataset.b, x0 = +svg.dataset.x0, x1 = +svg.dataset.x1;
			var x = x0 + (T - a) / (b - a) * (x1 - x0);
			cur.setAttribute('x1', x.toFixed(1));
			cur.setAttribute('x2', x.toFixed(1));
		}
	}

	function tick(now) {
		if (!playing) return;
		T += (now - last) * 1000 * rate;
		last = now;
		if (T >= D.to) {
			T = D.to;
			pause();
		}
		videos.forEach(function (v) {
			var w = place(v, T, false);
			if (playing && w[1] === 'on' && v.paused) {
				var p = v.play();
				if (p && p.catch) p.catch(function () { /* blocked or not ready: it is re-placed next frame */ });
			}
		});
		render();
		if (playing) requestAnimationFrame(tick);
	}

	function play() {
		if (playing) return;
		if (T >= D.to) T = D.from;
		playing = true;
		$('play').textContent = 'Pause all';
		last = performance.now();
		requestAnimationFrame(tick);
	}
	function pause() {
		playing = false;
		$('play').textContent = 'Play all';
		videos.forEach(function (v) { if (!v.paused) v.pause(); });
		setT(T);
	}

	scrub.min = '0';
	scrub.max = String(Math.round((D.to - D.from) / 1000));
	scrub.step = '1';
	scrub.addEventListener('input', function () {
		setT(D.from + (+scrub.value) * 1000);
	});
	$('play').addEventListener('click', function () { playing ? pause() : play(); });
	[].slice.call(document.querySelectorAll('button[data-step]')).forEach(function (b) {
		b.addEventListener('click', function () {
			var s = b.dataset.step === 'frame' ? D.frame : b.dataset.step === '-frame' ? -D.frame : +b.dataset.step;
			if (playing) pause();
			setT(T + s * 1e6);
		});
	});
	$('jump-form').addEventListener('submit', function (e) {
		e.preventDefault();
		var t = parseTime($('jump').value);
		$('jump-error').textContent = t === t ? '' : 'not a time: give 2022-07-05T01:25:13Z, or a local time such as 2022-07-04 21:25:13 or 21:25:13';
		if (t === t) setT(t);
	});
	[].slice.call(document.querySelectorAll('button[data-jump]')).forEach(function (b) {
		b.addEventListener('click', function () { setT(+b.dataset.jump); });
	});
	var svg = $('timeline-svg');
	if (svg) svg.addEventListener('click', function (e) {
		var pt = svg.createSVGPoint(), m = svg.getScreenCTM();
		if (!m) return;
		pt.x = e.clientX;
		pt.y = e.clientY;
		var p = pt.matrixTransform(m.inverse());
		var a = +svg.dataset.a, b = +svg.dataset.b, x0 = +svg.dataset.x0, x1 = +svg.dataset.x1;
		if (p.x < x0 || p.x > x1) return;
		setT(a + (p.x - x0) / (x1 - x0) * (b - a));
	});
	videos.forEach(function (v) {
		/* a time set before the video could seek is applied once it can */
		v.addEventListener('loadedmetadata', function () { place(v, T, true); });
		v.addEventListener('error', function () {
			var fig = v.closest('figure'), st = fig && fig.querySelector('.state');
			if (st) st.textContent = 'this browser cannot play this file';
		});
	});
	[].slice.call(document.querySelectorAll('input[data-sound]')).forEach(function (c) {
		c.addEventListener('change', function () {
			var v = videos[+c.dataset.sound];
			if (v) v.muted = !c.checked;
		});
	});

	function fromHash() {
		var m = /^#t=(.+)$/.exec(location.hash);
		if (m) {
			var t = parseTime(decodeURIComponent(m[1]));
			if (t === t) { setT(t, {hash: false}); return true; }
		}
		return false;
	}
	window.addEventListener('hashchange', fromHash);
	if (!fromHash()) setT(D.incident !== null ? D.incident : D.from, {hash: false});
	/* for readers and tests: the player's state */
	window.vidxReport = {
		time: function () { return T; },
		iso: function () { return iso(T); },
		set: function (s) { var t = typeof s === 'number' ? s : parseTime(s); setT(t); return T; },
		want: function (i) { return want(videos[i], T)[0]; }
	};
})();
