// Keeps a questions page current in place. The server sends each change once as JSON over
// Server-Sent Events (the same bytes to every open page); this script updates, moves, adds or
// removes the one question it concerns, so no change makes a page ask the server for anything.
// Text from the audience only ever goes in as text (textContent, value), never as HTML.
// The page works without this script, only not live.
(function () {
  'use strict';
  var root = document.querySelector('[data-live]');
  if (!root || !window.EventSource || !window.fetch || !window.JSON) {
    return;
  }
  var kind = root.getAttribute('data-live'); // audience, moderator or presenter
  var order = root.getAttribute('data-sort') === 'new' ? 'new' : 'top';
  var api = root.getAttribute('data-api');
  var template = root.querySelector('template[data-slot="template"]');
  var questions = {}; // id -> the question as shown

  function slot(el, name) {
    return el.querySelector('[data-slot="' + name + '"]');
  }

  function show(el, visible) {
    if (el) {
      el.hidden = !visible;
    }
  }

  // Reads the questions the server rendered, so the first change finds them in order.
  function fromElement(li) {
    return {
      id: Number(li.getAttribute('data-question')),
      status: li.getAttribute('data-status'),
      votes: Number(li.getAttribute('data-votes')),
      created_at: li.getAttribute('data-created'),
      highlighted: li.hasAttribute('data-highlighted'),
      answered: li.hasAttribute('data-answered'),
      voted: li.hasAttribute('data-voted'),
      own: li.hasAttribute('data-own')
    };
  }

  function votesText(n) {
    var form = root.getAttribute(n === 1 ? 'data-votes-one' : 'data-votes-other');
    return form.replace('{n}', String(n));
  }

  // time reads an RFC 3339 time; browsers read at most milliseconds reliably.
  function time(s) {
    return Date.parse(String(s).replace(/(\.\d{3})\d+/, '$1'));
  }

  // sortsBefore tells whether question a belongs above question b: the highlighted question on
  // top, then by votes (oldest first among equals) or newest first, as the server sorts.
  function sortsBefore(a, b, listOrder) {
    if (a.highlighted !== b.highlighted) {
      return a.highlighted;
    }
    var ta = time(a.created_at), tb = time(b.created_at);
    if (listOrder === 'new') {
      return ta !== tb ? ta > tb : a.id > b.id;
    }
    if (a.votes !== b.votes) {
      return a.votes > b.votes;
    }
    return ta !== tb ? ta < tb : a.id < b.id;
  }

  // listFor is the list a question belongs in on this page, or null if it is not shown here.
  function listFor(q) {
    if (kind === 'moderator') {
      return root.querySelector('[data-list="' + q.status + '"]');
    }
    if (q.status === 'approved' || (q.status === 'pending' && q.own)) {
      return root.querySelector('[data-list="audience"]');
    }
    return null;
  }

  function element(id) {
    return document.getElementById('frage-' + id);
  }

  function create(q) {
    var li = template.content.firstElementChild.cloneNode(true);
    li.id = 'frage-' + q.id;
    li.setAttribute('data-question', String(q.id));
    Array.prototype.forEach.call(li.querySelectorAll('form'), function (form) {
      form.setAttribute('action', form.getAttribute('action').replace(/\/0(\/|\?|$)/, '/' + q.id + '$1'));
    });
    var edit = slot(li, 'edit');
    if (edit) {
      edit.id = 'text-' + q.id;
      li.querySelector('label[for="text-0"]').setAttribute('for', edit.id);
    }
    return li;
  }

  // fill writes a question into its element. A field someone is typing in keeps their words.
  function fill(li, q) {
    li.setAttribute('data-status', q.status);
    li.setAttribute('data-votes', String(q.votes));
    li.classList.toggle('podium-question--highlighted', q.highlighted);
    slot(li, 'text').textContent = q.text;
    slot(li, 'author').textContent = q.author_name || root.getAttribute('data-anonymous');
    slot(li, 'votes').textContent = votesText(q.votes);
    show(slot(li, 'highlighted'), q.highlighted);
    show(slot(li, 'answered'), q.answered);
    show(slot(li, 'pending'), q.status === 'pending');
    var vote = slot(li, 'vote');
    if (vote) {
      show(vote, q.status === 'approved');
      show(slot(li, 'add'), !q.voted);
      show(slot(li, 'remove'), q.voted);
    }
    var approved = q.status === 'approved';
    var when = {
      unapproved: !approved,
      unrejected: q.status !== 'rejected',
      unpending: q.status !== 'pending',
      highlightable: approved && !q.highlighted,
      highlighted: approved && q.highlighted,
      answerable: approved && !q.answered,
      answered: approved && q.answered
    };
    Array.prototype.forEach.call(li.querySelectorAll('[data-when]'), function (button) {
      show(button, when[button.getAttribute('data-when')]);
    });
    var edit = slot(li, 'edit');
    if (edit && document.activeElement !== edit) {
      edit.value = q.text;
    }
  }

  // place moves an element to where its question sorts in list, touching the page only if the
  // position changes.
  function place(li, q, list) {
    var listOrder = list.getAttribute('data-order') || order;
    var next = null;
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      var other = questions[Number(items[i].getAttribute('data-question'))];
      if (items[i] !== li && other && sortsBefore(q, other, listOrder)) {
        next = items[i];
        break;
      }
    }
    if (li.parentNode === list && (li.nextElementSibling === next || li === next)) {
      return;
    }
    var hadFocus = li.contains(document.activeElement);
    var focused = document.activeElement;
    list.insertBefore(li, next);
    if (hadFocus && focused && focused.focus) {
      focused.focus();
    }
  }

  function refreshCounts() {
    show(slot(root, 'empty'), kind === 'audience' && !root.querySelector('[data-list] [data-question]'));
    Array.prototype.forEach.call(root.querySelectorAll('[data-count]'), function (count) {
      var list = root.querySelector('[data-list="' + count.getAttribute('data-count') + '"]');
      count.textContent = String(list ? list.children.length : 0);
    });
  }

  function announce(q) {
    var status = slot(root, 'announce');
    if (status) {
      status.textContent = root.getAttribute('data-announce-new').replace('{text}', q.text);
    }
  }

  function remove(id) {
    var li = element(id);
    delete questions[id];
    if (li && li.parentNode) {
      li.parentNode.removeChild(li);
    }
  }

  // apply shows a question as the server now sends it. The stream does not know what this viewer
  // voted, so that is kept from before.
  function apply(q) {
    var before = questions[q.id];
    if (q.voted === undefined) {
      q.voted = before ? before.voted : false;
    }
    if (kind === 'presenter') {
      present(q);
      return;
    }
    var list = listFor(q);
    if (!list) {
      remove(q.id);
      refreshCounts();
      return;
    }
    questions[q.id] = q;
    var li = element(q.id) || create(q);
    fill(li, q);
    place(li, q, list);
    if (!before && q.status === 'approved' && kind === 'audience') {
      announce(q);
    }
    refreshCounts();
  }

  function present(q) {
    var box = slot(root, 'question');
    var shown = Number(box.getAttribute('data-question'));
    if (q.highlighted && q.status === 'approved') {
      box.setAttribute('data-question', String(q.id));
      slot(box, 'text').textContent = q.text;
      slot(box, 'author').textContent = q.author_name || root.getAttribute('data-anonymous');
      show(box, true);
      show(slot(root, 'empty'), false);
    } else if (shown === q.id) {
      box.removeAttribute('data-question');
      show(box, false);
      show(slot(root, 'empty'), true);
    }
  }

  // reload loads every question again, after the stream said too much had changed to send one
  // by one (a page that slept for long).
  function reload() {
    var statuses = kind === 'moderator' ? ['pending', 'approved', 'rejected'] : [''];
    Promise.all(statuses.map(function (status) {
      var url = api + '?sort=' + order + (status ? '&status=' + status : '');
      return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); });
    })).then(function (pages) {
      var seen = {};
      pages.forEach(function (page) {
        page.items.forEach(function (q) {
          seen[q.id] = true;
          apply(q);
        });
      });
      Object.keys(questions).forEach(function (id) {
        if (!seen[id]) {
          remove(Number(id));
        }
      });
      if (kind === 'presenter' && !pages[0].items.some(function (q) { return q.highlighted; })) {
        present({ id: Number(slot(root, 'question').getAttribute('data-question')), highlighted: false });
      }
      refreshCounts();
    }).catch(function () { /* the next change or reconnect tries again */ });
  }

  // Buttons send their change with fetch and show the answer at once; if that fails, the form
  // is sent the ordinary way and the server's page explains.
  var moderatorChanges = {
    approve: { status: 'approved' }, reject: { status: 'rejected' }, pending: { status: 'pending' },
    highlight: { highlighted: true }, unhighlight: { highlighted: false },
    answered: { answered: true }, unanswered: { answered: false }
  };

  function intercept(event) {
    var form = event.target;
    var submitter = event.submitter;
    var li = form.closest('[data-question]');
    if (!li || form.getAttribute('data-plain') || !submitter) {
      return;
    }
    var id = Number(li.getAttribute('data-question'));
    var request;
    if (kind === 'audience' && submitter.name === 'vote') {
      request = { method: submitter.value === 'remove' ? 'DELETE' : 'POST', url: api + '/' + id + '/vote' };
    } else if (kind === 'moderator') {
      var action = (form.querySelector('input[name="action"]') || submitter).value;
      var change = action === 'edit' ? { text: slot(form, 'edit').value } : moderatorChanges[action];
      if (!change) {
        return;
      }
      request = { method: 'PATCH', url: api + '/' + id, body: JSON.stringify(change) };
    } else {
      return;
    }
    event.preventDefault();
    var headers = { Accept: 'application/json' };
    if (request.body) {
      headers['Content-Type'] = 'application/json';
    }
    fetch(request.url, { method: request.method, credentials: 'same-origin', headers: headers, body: request.body })
      .then(function (res) { return res.ok ? res.json() : Promise.reject(res.status); })
      .then(function (q) {
        if (kind === 'audience') {
          q.voted = request.method === 'POST';
        }
        apply(q);
        keepFocus(li, submitter);
      })
      .catch(function () {
        form.setAttribute('data-plain', 'true');
        form.requestSubmit(submitter);
      });
  }

  // keepFocus puts the keyboard focus somewhere sensible when the pressed button disappeared:
  // on the button that took its place, else on the question.
  function keepFocus(li, pressed) {
    if (!pressed.hidden && li.isConnected) {
      return;
    }
    var other = pressed.getAttribute('data-slot') === 'add' ? slot(li, 'remove') : slot(li, 'add');
    if (other && !other.hidden) {
      other.focus();
    } else if (li.isConnected) {
      li.focus();
    }
  }

  Array.prototype.forEach.call(root.querySelectorAll('[data-question]'), function (li) {
    var q = fromElement(li);
    questions[q.id] = q;
  });
  root.addEventListener('submit', intercept);

  var source = new EventSource(root.getAttribute('data-live-stream'));
  // polls.js listens on the same stream: one connection per page carries questions and polls.
  window.podiumLive = { source: source, api: api };
  function onChange(e) {
    apply(JSON.parse(e.data));
  }
  source.addEventListener('question.created', onChange);
  source.addEventListener('question.updated', onChange);
  source.addEventListener('question.deleted', function (e) {
    var gone = JSON.parse(e.data);
    if (kind === 'presenter') {
      present({ id: gone.id, highlighted: false });
      return;
    }
    remove(gone.id);
    refreshCounts();
  });
  source.addEventListener('questions.reset', reload);
})();
