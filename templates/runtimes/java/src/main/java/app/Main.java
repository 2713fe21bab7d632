package app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A minimal HTTP service so a fresh repository builds into an image that runs.
 *
 * <p>This file is yours: replace it with your service. The Dockerfile sets PORT and HEALTH_PATH.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    String healthPath = System.getenv().getOrDefault("HEALTH_PATH", "/healthz");

    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      if (path.equals(healthPath)) {
        send(exchange, 200, "application/json", "{\"status\":\"ok\"}");
      } else if (path.equals("/")) {
        send(exchange, 200, "text/plain; charset=utf-8", "Hello from your GitOps service.\n");
      } else {
        send(exchange, 404, "text/plain; charset=utf-8", "Not found\n");
      }
    });
    // The container stops with SIGTERM: finish in-flight requests, then exit.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(2)));
    server.start();
    System.out.println("listening on :" + port + ", health check on " + healthPath);
  }

  private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] data = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", type);
    exchange.sendResponseHeaders(status, data.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(data);
    }
  }
}
