// A minimal HTTP service so a fresh repository builds into an image that runs.
// This file is yours: replace it with your service. The Dockerfile sets PORT and HEALTH_PATH.
const http = require('node:http');

const port = Number(process.env.PORT || 8080);
const healthPath = process.env.HEALTH_PATH || '/healthz';

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (pathname === healthPath) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  if (pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Hello from your GitOps service.\n');
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
});

server.listen(port, () => {
  console.log(`listening on port ${port}, health check at ${healthPath}`);
});

// Stop accepting connections on SIGTERM so rollouts drain cleanly: finish the requests in
// flight, drop idle keep-alive connections (they would hold close() open), and give up after
// 10 seconds.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  });
}
