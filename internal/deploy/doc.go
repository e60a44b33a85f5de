// Package deploy holds the tests of kpimon's deployment files:
// docker-compose.yml, docker-compose.province.yml and Dockerfile (with
// .dockerignore), and the Prometheus and Grafana provisioning files the
// compose stacks mount. It has tests only; docker-compose is found through
// internal/testkit's LookPath.
package deploy
