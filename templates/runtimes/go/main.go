// A minimal HTTP service so a fresh repository builds into an image that runs.
// This file is yours: replace it with your service (keep -healthcheck, or change the
// image's health check). The Dockerfile sets PORT and HEALTH_PATH.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func main() {
	healthcheck := flag.Bool("healthcheck", false, "check the running service's health endpoint and exit 0 or 1")
	flag.Parse()
	port := env("PORT", "8080")
	healthPath := env("HEALTH_PATH", "/healthz")

	if *healthcheck {
		client := http.Client{Timeout: 4 * time.Second}
		response, err := client.Get("http://127.0.0.1:" + port + healthPath)
		if err != nil || response.StatusCode >= 400 {
			os.Exit(1)
		}
		os.Exit(0)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case healthPath:
			w.Header().Set("content-type", "application/json")
			fmt.Fprint(w, `{"status":"ok"}`)
		case "/":
			fmt.Fprintln(w, "Hello from your GitOps service.")
		default:
			http.NotFound(w, r)
		}
	})
	server := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	// Stop accepting connections on SIGTERM so rollouts drain cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = server.Shutdown(shutdown)
	}()

	log.Printf("listening on port %s, health check at %s", port, healthPath)
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
