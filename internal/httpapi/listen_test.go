package httpapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/yanfeng/kpimon/internal/httpapi"
)

// started is a running ListenAndServe.
type started struct {
	addr string
	stop context.CancelFunc
	done chan error
}

// serve runs ListenAndServe on a free loopback port until the test ends.
func serve(t *testing.T, h http.Handler, webConfig string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	s := &started{stop: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- httpapi.ListenAndServe(ctx, httpapi.ServeOptions{
			Addr: "127.0.0.1:0", WebConfigFile: webConfig, Handler: h,
			OnListen: func(a net.Addr) { addrc <- a },
		})
	}()
	select {
	case a := <-addrc:
		s.addr = a.String()
	case err := <-s.done:
		cancel()
		t.Fatalf("ListenAndServe returned before listening: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-s.done
	})
	return s
}

func TestListenAndServeShutsDownGracefully(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{})
	h := httpapi.NewServer(httpapi.Deps{UI: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	})})
	s := serve(t, h, "")

	resp, err := http.Get("http://" + s.addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: status = %d, want 200", resp.StatusCode)
	}

	// A request in flight when the context ends still gets its answer.
	type result struct {
		body string
		err  error
	}
	slow := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + s.addr + "/slow")
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- result{string(b), err}
	}()
	<-entered
	s.stop()
	close(release)
	r := <-slow
	if r.err != nil || r.body != "finished" {
		t.Errorf("in-flight request = %q, %v, want %q", r.body, r.err, "finished")
	}
	if err := <-s.done; err != nil {
		t.Errorf("ListenAndServe after shutdown = %v, want nil", err)
	}
	s.done <- nil // for the cleanup
	if _, err := http.Get("http://" + s.addr + "/healthz"); err == nil {
		t.Errorf("server still answers after shutdown")
	}
}

func TestListenAndServeRefusesABadWebConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
	}{
		{"not YAML", "basic_auth_users: [\n"},
		{"unknown field", "basic_auth_user:\n  admin: x\n"},
		{"missing certificate", "tls_server_config:\n  cert_file: " + filepath.Join(dir, "none.crt") + "\n  key_file: " + filepath.Join(dir, "none.key") + "\n"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("web%d.yml", i))
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := httpapi.ListenAndServe(ctx, httpapi.ServeOptions{Addr: "127.0.0.1:0", WebConfigFile: path, Handler: http.NotFoundHandler()})
			if err == nil {
				t.Fatalf("ListenAndServe with web config %q = nil, want an error", tt.content)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file %s", err, path)
			}
		})
	}
	t.Run("address in use", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		err = httpapi.ListenAndServe(context.Background(), httpapi.ServeOptions{Addr: l.Addr().String(), Handler: http.NotFoundHandler()})
		if err == nil || !strings.Contains(err.Error(), "--listen") {
			t.Errorf("ListenAndServe on a taken port = %v, want an error that suggests --listen", err)
		}
	})
	t.Run("bad address", func(t *testing.T) {
		err := httpapi.ListenAndServe(context.Background(), httpapi.ServeOptions{Addr: ":99999", Handler: http.NotFoundHandler()})
		if err == nil || strings.Contains(err.Error(), "another kpimon") || !strings.Contains(err.Error(), "host:port") {
			t.Errorf("ListenAndServe on :99999 = %v, want an error on the address's form, not 'another kpimon running'", err)
		}
	})
}

// TestWebConfigTLSAndBasicAuth serves the real API behind TLS and basic
// auth switched on by an exporter-toolkit web config file.
func TestWebConfigTLSAndBasicAuth(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	dir := t.TempDir()
	certPEM := writeSelfSignedCert(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret-passw0rd"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf("tls_server_config:\n  cert_file: %s\n  key_file: %s\nbasic_auth_users:\n  prometheus: %s\n",
		filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"), hash)
	configPath := filepath.Join(dir, "web.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	s := serve(t, httpapi.NewServer(f.deps), configPath)

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		t.Fatal("cannot add the test certificate to a pool")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(client.CloseIdleConnections)

	tests := []struct {
		name       string
		method     string
		url        string
		user, pass string
		token      string
		body       string
		wantStatus int
	}{
		{"plain HTTP is refused", http.MethodGet, "http://" + s.addr + "/metrics", "", "", "", "", http.StatusBadRequest},
		{"no credentials", http.MethodGet, "https://" + s.addr + "/metrics", "", "", "", "", http.StatusUnauthorized},
		{"wrong password", http.MethodGet, "https://" + s.addr + "/healthz", "prometheus", "wrong", "", "", http.StatusUnauthorized},
		{"metrics with credentials", http.MethodGet, "https://" + s.addr + "/metrics", "prometheus", "s3cret-passw0rd", "", "", http.StatusOK},
		{"read API with credentials", http.MethodGet, "https://" + s.addr + "/api/v1/indicators", "prometheus", "s3cret-passw0rd", "", "", http.StatusOK},
		{"write with credentials but no token", http.MethodPost, "https://" + s.addr + "/api/v1/observations", "prometheus", "s3cret-passw0rd", "",
			`[{"indicator": "resident_income", "period": "2021", "value": "41200"}]`, http.StatusUnauthorized},
		{"write with credentials and token header", http.MethodPost, "https://" + s.addr + "/api/v1/observations", "prometheus", "s3cret-passw0rd", testSecrets["tjj"],
			`[{"indicator": "resident_income", "period": "2021", "value": "41200"}]`, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			if tt.token != "" {
				req.Header.Set(httpapi.TokenHeader, tt.token)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.url, err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				b, _ := io.ReadAll(resp.Body)
				t.Errorf("%s %s: status = %d, want %d\n%s", tt.method, tt.url, resp.StatusCode, tt.wantStatus, b)
			}
		})
	}
}

// writeSelfSignedCert writes server.crt and server.key for 127.0.0.1 into
// dir and returns the certificate's PEM.
func writeSelfSignedCert(t *testing.T, dir string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kpimon test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	if err := errors.Join(
		os.WriteFile(filepath.Join(dir, "server.crt"), certPEM, 0o600),
		os.WriteFile(filepath.Join(dir, "server.key"), keyPEM, 0o600),
	); err != nil {
		t.Fatal(err)
	}
	return certPEM
}
