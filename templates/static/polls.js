// Keeps the polls of a page current in place. poll.updated and poll.results arrive on the
// event stream live.js opened (one connection per page), each prepared once by the server for
// every open page; this script changes the one poll they concern and never asks the server for
// anything because of them. Text from organizers and the audience only ever goes in as text.
// The page works without this script, only not live.
(function () {
  'use strict';
  var root = document.querySelector('[data-polls]');
  var live = window.podiumLive;
  if (!root || !live || !window.fetch || !window.JSON) {
    return;
  }
  var kind = root.getAttribute('data-polls'); // audience, moderator or presenter
  var api = live.api.replace(/\/questions$/, '/polls');
  var list = root.querySelector('[data-list="polls"]');
  var template = root.querySelector('template[data-slot="poll-template"]');
  var SVG = 'http://www.w3.org/2000/svg';

  function text(name) {
    return root.getAttribute('data-i18n-' + name);
  }

  function plural(name, n) {
    return text(name + (n === 1 ? '-one' : '-other')).replace('{n}', String(n));
  }

  function slot(el, name) {
    return el.querySelector('[data-slot="' + name + '"]');
  }

  function show(el, visible) {
    if (el) {
      el.hidden = !visible;
    }
  }

  function flag(el, name, on) {
    if (on) {
      el.setAttribute(name, '');
    } else {
      el.removeAttribute(name);
    }
  }

  function make(tag, className, content) {
    var el = document.createElement(tag);
    if (className) {
      el.className = className;
    }
    if (content !== undefined) {
      el.textContent = content;
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) {
      el.removeChild(el.firstChild);
    }
  }

  function decimal(x) {
    var s = x.toFixed(1);
    return root.getAttribute('data-lang') === 'en' ? s : s.replace('.', ',');
  }

  function choices(p) {
    if (p.kind !== 'rating') {
      return p.options || [];
    }
    var out = [];
    for (var i = 1; i <= p.scale; i++) {
      out.push(String(i));
    }
    return out;
  }

  // element is what shows poll id on this page, or null.
  function element(id) {
    if (kind === 'presenter') {
      var box = slot(root, 'poll');
      return Number(box.getAttribute('data-poll')) === id ? box : null;
    }
    return document.getElementById('umfrage-' + id);
  }

  // create builds a poll that appeared while the page was open from the server's own markup.
  function create(p) {
    var art = template.content.firstElementChild.cloneNode(true);
    art.id = 'umfrage-' + p.id;
    art.setAttribute('data-poll', String(p.id));
    art.setAttribute('data-kind', p.kind);
    art.setAttribute('aria-labelledby', 'umfrage-' + p.id + '-frage');
    slot(art, 'question').id = 'umfrage-' + p.id + '-frage';
    Array.prototype.forEach.call(art.querySelectorAll('form'), function (form) {
      form.setAttribute('action', form.getAttribute('action').replace(/\/polls\/0(\/|\?|$)/, '/polls/' + p.id + '$1'));
    });
    if (kind === 'audience') {
      buildChoices(art, p);
    }
    list.appendChild(art);
    return art;
  }

  function buildChoices(art, p) {
    var box = slot(art, 'choices');
    clear(box);
    box.classList.toggle('kern-fieldset__body--horizontal', p.kind === 'rating');
    if (p.kind === 'text') {
      var wrap = make('div', 'kern-form-input');
      var input = make('input', 'kern-form-input__input');
      input.type = 'text';
      input.name = 'text';
      input.maxLength = 60;
      input.id = 'umfrage-' + p.id + '-text';
      input.setAttribute('aria-labelledby', 'umfrage-' + p.id + '-frage');
      wrap.appendChild(input);
      box.appendChild(wrap);
      return;
    }
    choices(p).forEach(function (label, i) {
      var wrap = make('div', 'kern-form-check');
      var input = make('input', p.kind === 'multiple' ? 'kern-form-check__checkbox' : 'kern-form-check__radio');
      input.type = p.kind === 'multiple' ? 'checkbox' : 'radio';
      input.name = { multiple: 'options', rating: 'rating', single: 'option' }[p.kind];
      input.value = p.kind === 'rating' ? label : String(i);
      input.id = 'umfrage-' + p.id + '-' + i;
      var caption = make('label', 'kern-label', label);
      caption.htmlFor = input.id;
      wrap.appendChild(input);
      wrap.appendChild(caption);
      box.appendChild(wrap);
    });
  }

  // fill writes a poll's settings into its element.
  function fill(art, p) {
    art.setAttribute('data-state', p.state);
    flag(art, 'data-results-visible', p.results_visible);
    flag(art, 'data-presented', p.on_presenter);
    slot(art, 'question').textContent = p.question;
    var explanation = slot(art, 'explanation');
    if (explanation) {
      explanation.textContent = p.explanation;
      show(explanation, !!p.explanation);
    }
    show(slot(art, 'closed'), p.state === 'closed');
    show(slot(art, 'form'), p.state === 'open');
    var state = slot(art, 'state');
    if (state) {
      state.textContent = text('state-' + p.state);
    }
    show(slot(art, 'visible'), p.results_visible);
    show(slot(art, 'presented'), p.on_presenter);
    var when = {
      openable: p.state !== 'open',
      open: p.state === 'open',
      showable: !p.results_visible && p.state !== 'draft',
      visible: p.results_visible,
      presentable: !p.on_presenter && p.state !== 'draft',
      presented: p.on_presenter
    };
    Array.prototype.forEach.call(art.querySelectorAll('[data-when]'), function (button) {
      show(button, when[button.getAttribute('data-when')]);
    });
  }

  // present shows the poll on the presenter screen, or takes it off.
  function present(p) {
    var box = slot(root, 'poll');
    var shown = Number(box.getAttribute('data-poll') || 0);
    if (p.on_presenter && p.state !== 'draft') {
      if (shown !== p.id) {
        clear(slot(box, 'counts'));
        slot(box, 'participants').textContent = '';
      }
      box.setAttribute('data-poll', String(p.id));
      box.setAttribute('data-kind', p.kind);
      fill(box, p);
      show(box, true);
      root.classList.add('podium-present--poll');
    } else if (shown === p.id) {
      box.removeAttribute('data-poll');
      show(box, false);
      root.classList.remove('podium-present--poll');
    }
  }

  function apply(p) {
    if (kind === 'presenter') {
      present(p);
      return;
    }
    if (kind === 'audience' && p.state === 'draft') {
      return;
    }
    fill(element(p.id) || create(p), p);
    root.hidden = false;
  }

  function bar(percent) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'podium-bars__bar');
    svg.setAttribute('viewBox', '0 0 100 10');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('focusable', 'false');
    [['podium-bars__track', 100], ['podium-bars__fill', percent]].forEach(function (r) {
      var rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('class', r[0]);
      rect.setAttribute('width', String(r[1]));
      rect.setAttribute('height', '10');
      svg.appendChild(rect);
    });
    return svg;
  }

  // results draws a poll's counts anew: bars and a table for screen readers, or the word list.
  function results(r) {
    var target = element(r.poll_id);
    if (!target) {
      return;
    }
    var box = slot(target, 'results');
    slot(box, 'participants').textContent = plural('participants', r.participants);
    var counted = kind === 'moderator' || r.visible;
    show(slot(box, 'hidden'), !counted);
    var counts = slot(box, 'counts');
    show(counts, counted);
    if (!counted) {
      return;
    }
    clear(counts);
    if (target.getAttribute('data-kind') === 'text') {
      counts.appendChild(make('p', 'kern-body kern-body--small', text('words')));
      var words = make('ol', 'podium-words');
      words.setAttribute('data-slot', 'words');
      (r.words || []).forEach(function (w) {
        var li = make('li');
        li.appendChild(make('span', 'podium-words__text', w.label));
        li.appendChild(document.createTextNode(' '));
        li.appendChild(make('span', 'podium-words__count', String(w.count)));
        words.appendChild(li);
      });
      counts.appendChild(words);
      var other = make('p', 'kern-body kern-body--small', plural('other', r.other_words || 0));
      other.hidden = !r.other_words;
      counts.appendChild(other);
      return;
    }
    var bars = make('ul', 'podium-bars');
    bars.setAttribute('aria-hidden', 'true');
    bars.setAttribute('data-slot', 'bars');
    var table = make('table', 'kern-table');
    table.setAttribute('data-slot', 'table');
    table.appendChild(make('caption', '', text('results') + ': ' + slot(target, 'question').textContent));
    var head = make('tr');
    ['answer', 'count', 'percent'].forEach(function (name) {
      var th = make('th', '', text(name));
      th.scope = 'col';
      head.appendChild(th);
    });
    table.appendChild(make('thead')).appendChild(head);
    var body = table.appendChild(make('tbody'));
    (r.options || []).forEach(function (o) {
      var value = o.count + ' · ' + Math.round(o.percent) + ' %';
      var li = make('li', 'podium-bars__row');
      li.appendChild(make('span', 'podium-bars__label', o.label));
      li.appendChild(bar(o.percent));
      li.appendChild(make('span', 'podium-bars__value', value));
      bars.appendChild(li);
      var tr = make('tr');
      var th = make('th', '', o.label);
      th.scope = 'row';
      tr.appendChild(th);
      tr.appendChild(make('td', '', String(o.count)));
      tr.appendChild(make('td', '', Math.round(o.percent) + ' %'));
      body.appendChild(tr);
    });
    counts.appendChild(bars);
    // The table is for screen readers; a table cannot be narrower than its text, so the
    // visually hidden box is around it.
    counts.appendChild(make('div', 'kern-sr-only')).appendChild(table);
    var average = make('p', 'kern-body', r.average === undefined ? '' : text('average').replace('{n}', decimal(r.average)));
    average.setAttribute('data-slot', 'average');
    average.hidden = r.average === undefined;
    counts.appendChild(average);
  }

  // answerOf is the answer a poll's form holds, as the API takes it, or null if none is chosen.
  function answerOf(form, pollKind) {
    var checked = Array.prototype.map.call(form.querySelectorAll('input:checked'), function (input) {
      return Number(input.value);
    });
    switch (pollKind) {
      case 'text':
        return { text: form.querySelector('input[name="text"]').value };
      case 'multiple':
        return checked.length ? { options: checked } : null;
      case 'rating':
        return checked.length ? { rating: checked[0] } : null;
      default:
        return checked.length ? { option: checked[0] } : null;
    }
  }

  var moderatorChanges = {
    open: { state: 'open' }, close: { state: 'closed' },
    show: { results_visible: true }, hide: { results_visible: false },
    present: { on_presenter: true }, unpresent: { on_presenter: false }
  };

  // Answers and the moderator's buttons go by fetch and show the outcome at once; if that
  // fails, the form is sent the ordinary way and the server's page explains.
  root.addEventListener('submit', function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var art = form.closest('[data-poll]');
    if (!art || form.getAttribute('data-plain')) {
      return;
    }
    var id = Number(art.getAttribute('data-poll'));
    var request;
    if (kind === 'audience') {
      var answer = answerOf(form, art.getAttribute('data-kind'));
      if (!answer) {
        return;
      }
      request = { method: 'POST', url: api + '/' + id + '/answer', body: answer };
    } else if (kind === 'moderator' && submitter && moderatorChanges[submitter.value]) {
      request = { method: 'PATCH', url: api + '/' + id, body: moderatorChanges[submitter.value] };
    } else {
      return;
    }
    event.preventDefault();
    fetch(request.url, {
      method: request.method, credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify(request.body)
    }).then(function (res) {
      return res.ok ? res.json() : Promise.reject(res.status);
    }).then(function (out) {
      if (kind === 'moderator') {
        apply(out);
        if (submitter.hidden) {
          var next = Array.prototype.filter.call(form.querySelectorAll('button'), function (b) { return !b.hidden; })[0];
          (next || art).focus();
        }
        return;
      }
      slot(art, 'saved').textContent = text('saved');
      slot(art, 'submit').querySelector('.kern-label').textContent = text('change');
    }).catch(function () {
      form.setAttribute('data-plain', 'true');
      form.requestSubmit(submitter);
    });
  });

  // reload loads every poll again after the stream said too much had changed to send one by one.
  function reload() {
    fetch(api, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
      .then(function (page) {
        page.items.forEach(function (p) {
          apply(p);
          if (p.results) {
            results(p.results);
          }
        });
      })
      .catch(function () { /* the next change or reconnect tries again */ });
  }

  live.source.addEventListener('poll.updated', function (e) {
    apply(JSON.parse(e.data));
  });
  live.source.addEventListener('poll.results', function (e) {
    results(JSON.parse(e.data));
  });
  live.source.addEventListener('questions.reset', reload);
})();
