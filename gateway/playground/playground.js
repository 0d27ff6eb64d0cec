/* global React, ReactDOM, GraphiQL, graphqlWs */
// The playground's fetcher: HTTP for queries and mutations, graphql-ws for subscriptions, both
// carrying the Authorization header typed in the headers editor.
(function () {
  'use strict';
  var httpUrl = location.origin + '/graphql';
  var wsUrl = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';


  /** Headers from the editor, without the empty placeholders. */
  function cleanHeaders(headers) {
    var out = {};
    Object.keys(headers || {}).forEach(function (k) {
      var v = headers[k];
      if (v === undefined || v === null) return;
      v = String(v).trim();
      if (v === '' || /^bearer$/i.test(v)) return;
      out[k] = v;
    });
    return out;
  }

  function authorizationOf(headers) {
    var found = '';
    Object.keys(headers).forEach(function (k) {
      if (k.toLowerCase() === 'authorization') found = headers[k];
    });
    return found;
  }

  // One WebSocket client per Authorization value: a new token opens a new, re-authenticated socket.
  var wsClient = null;
  var wsAuthorization = null;
  function clientFor(authorization) {
    if (wsClient && wsAuthorization === authorization) return wsClient;
    if (wsClient) wsClient.dispose();
    wsAuthorization = authorization;
    wsClient = graphqlWs.createClient({
      url: wsUrl,
      lazy: true,
      retryAttempts: 0,
      connectionParams: authorization ? { authorization: authorization } : {},
    });
    return wsClient;
  }

  function operationType(params, opts) {
    var doc = opts && opts.documentAST;
    if (doc && doc.definitions) {
      var ops = doc.definitions.filter(function (d) { return d.kind === 'OperationDefinition'; });
      var op = ops.length === 1 ? ops[0] : ops.filter(function (d) { return d.name && d.name.value === params.operationName; })[0];
      if (op) return op.operation;
    }
    return /^\s*subscription\b/m.test(params.query || '') ? 'subscription' : 'query';
  }

  function closeMessage(err) {
    if (err && typeof err.code === 'number') {
      return 'WebSocket closed with ' + err.code + (err.reason ? ' (' + err.reason + ')' : '') +
        (err.code === 4401 ? ': put "Authorization": "Bearer <accessToken>" in the Headers tab' : '');
    }
    return (err && err.message) || String(err);
  }

  function subscribe(params, authorization) {
    var iterator = clientFor(authorization).iterate({
      query: params.query,
      variables: params.variables || undefined,
      operationName: params.operationName || undefined,
    });
    // Errors (a refused socket, say) are shown as a result rather than lost in the console.
    var failed = false;
    return {
      next: function () {
        if (failed) return Promise.resolve({ done: true, value: undefined });
        return iterator.next().catch(function (err) {
          failed = true;
          var errors = Array.isArray(err) ? err : [{ message: closeMessage(err) }];
          return { done: false, value: { errors: errors } };
        });
      },
      return: function () { return iterator.return ? iterator.return() : Promise.resolve({ done: true }); },
      [Symbol.asyncIterator]: function () { return this; },
    };
  }

  function fetcher(params, opts) {
    var headers = cleanHeaders(opts && opts.headers);
    if (operationType(params, opts) === 'subscription') return subscribe(params, authorizationOf(headers));
    return fetch(httpUrl, {
      method: 'POST',
      headers: Object.assign({ 'content-type': 'application/json', accept: 'application/json' }, headers),
      body: JSON.stringify(params),
    }).then(function (res) { return res.json(); });
  }

  // The example tabs are .graphql files of their own (a unit test checks them against the schema).
  function tab(name) {
    return fetch('/playground/assets/' + name + '-tab.graphql').then(function (res) { return res.ok ? res.text() : ''; });
  }

  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  Promise.all([tab('landlord'), tab('guest')]).then(function (tabs) {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultTabs: [{ query: tabs[0] }, { query: tabs[1] }],
        defaultHeaders: '{\n  "Authorization": ""\n}',
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: true,
        defaultEditorToolsVisibility: 'headers',
      }),
    );
  });
})();
