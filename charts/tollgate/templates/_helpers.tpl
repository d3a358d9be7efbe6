{{/*
Names, labels and the two command lines. Every flag the chart passes to `tollgate` is written in
exactly two helpers below, tollgate.coordinatorArgs and tollgate.sidecarArgs, so aligning the
chart with the binary's flags is a change in one place (Tests/Chart checks them against
`tollgate <command> --help`).
*/}}

{{- define "tollgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tollgate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tollgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Common labels; call with (dict "ctx" . "component" "coordinator"). */}}
{{- define "tollgate.labels" -}}
helm.sh/chart: {{ include "tollgate.chart" .ctx }}
{{ include "tollgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: tollgate
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "tollgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tollgate.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tollgate.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ $tag }}
{{- end -}}
{{- end -}}

{{- define "tollgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (printf "%s-coordinator" (include "tollgate.fullname" .)) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tollgate.coordinatorService" -}}
{{- printf "%s-coordinator" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tollgate.gossipService" -}}
{{- printf "%s-gossip" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* host:port of every coordinator: the headless Service's DNS name resolves to each pod. */}}
{{- define "tollgate.coordinatorAddress" -}}
{{- if .Values.sidecar.cluster.coordinatorAddress -}}
{{- .Values.sidecar.cluster.coordinatorAddress -}}
{{- else -}}
{{- printf "%s.%s.svc.%s:%d" (include "tollgate.coordinatorService" .) .Release.Namespace .Values.clusterDomain (int .Values.coordinator.port) -}}
{{- end -}}
{{- end -}}

{{- define "tollgate.gossipSeeds" -}}
{{- printf "%s.%s.svc.%s:%d" (include "tollgate.gossipService" .) .Release.Namespace .Values.clusterDomain (int .Values.sidecar.gossipPort) -}}
{{- end -}}

{{- define "tollgate.syncSecretName" -}}
{{- default (printf "%s-sync" (include "tollgate.fullname" .)) .Values.sync.existingSecret -}}
{{- end -}}

{{- define "tollgate.providerKeysSecretName" -}}
{{- default (printf "%s-provider-keys" (include "tollgate.fullname" .)) .Values.providerKeys.existingSecret -}}
{{- end -}}

{{- define "tollgate.sidecarConfigMapName" -}}
{{- printf "%s-sidecar" (include "tollgate.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Mount points inside the containers. */}}
{{- define "tollgate.paths.config" -}}/etc/tollgate{{- end -}}
{{- define "tollgate.paths.tls" -}}/etc/tollgate-tls{{- end -}}
{{- define "tollgate.paths.data" -}}/var/lib/tollgate{{- end -}}
{{- define "tollgate.paths.sync" -}}/var/run/secrets/tollgate/sync{{- end -}}
{{- define "tollgate.paths.syncTLS" -}}/var/run/secrets/tollgate/sync-tls{{- end -}}
{{- define "tollgate.paths.egressCA" -}}/etc/tollgate-egress-ca{{- end -}}

{{/*
The coordinator's command line (issue 6 flags: --listen, --peers, --advertise, --budget, --admin,
--config, --sync-secret-file). The single place the chart spells them. $(TOLLGATE_POD_IP) is
expanded by Kubernetes from the container's env (the downward API's status.podIP): the address
this coordinator has among the --peers DNS name's answers.
*/}}
{{- define "tollgate.coordinatorArgs" -}}
- coordinator
- --listen=0.0.0.0:{{ .Values.coordinator.port }}
- --peers={{ printf "%s.%s.svc.%s:%d" (include "tollgate.coordinatorService" .) .Release.Namespace .Values.clusterDomain (int .Values.coordinator.port) }}
- --advertise=$(TOLLGATE_POD_IP):{{ .Values.coordinator.port }}
- --admin=0.0.0.0:{{ .Values.coordinator.adminPort }}
- --config={{ include "tollgate.paths.config" . }}/coordinator.yaml
- --sync-secret-file={{ include "tollgate.paths.sync" . }}/{{ .Values.sync.existingSecretKey }}
{{- if .Values.sync.tls.enabled }}
- --sync-tls-cert={{ include "tollgate.paths.syncTLS" . }}/tls.crt
- --sync-tls-key={{ include "tollgate.paths.syncTLS" . }}/tls.key
{{- if .Values.sync.tls.mutual }}
- --sync-tls-client-ca={{ include "tollgate.paths.syncTLS" . }}/ca.crt
{{- end }}
{{- end }}
{{- range .Values.coordinator.budgetFlags }}
- --budget={{ . }}
{{- end }}
{{- range .Values.coordinator.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end -}}

{{/*
The sidecar's command line. The single place the chart spells its flags; cluster flags
(--coordinator, --gossip-listen, --gossip-advertise, --gossip-seeds, --sync-secret-file) follow
issue 6. Gossip listens on all interfaces and advertises the pod IP.
*/}}
{{- define "tollgate.sidecarArgs" -}}
- sidecar
- --config={{ include "tollgate.paths.config" . }}/tollgate.yaml
- --listen=127.0.0.1:{{ .Values.sidecar.port }}
- --admin=0.0.0.0:{{ .Values.sidecar.adminPort }}
- --data-dir={{ include "tollgate.paths.data" . }}
- --drain-timeout={{ .Values.sidecar.drainTimeoutSeconds }}
{{- if .Values.sidecar.tls.enabled }}
- --tls-cert={{ include "tollgate.paths.tls" . }}/tls.crt
- --tls-key={{ include "tollgate.paths.tls" . }}/tls.key
{{- end }}
{{- if .Values.sidecar.cluster.enabled }}
- --coordinator={{ include "tollgate.coordinatorAddress" . }}
- --gossip-listen=0.0.0.0:{{ .Values.sidecar.gossipPort }}
- --gossip-advertise=$(TOLLGATE_POD_IP):{{ .Values.sidecar.gossipPort }}
- --gossip-seeds={{ include "tollgate.gossipSeeds" . }}
- --sync-secret-file={{ include "tollgate.paths.sync" . }}/{{ .Values.sync.existingSecretKey }}
{{- if .Values.sync.tls.enabled }}
- --coordinator-ca={{ include "tollgate.paths.syncTLS" . }}/ca.crt
{{- if .Values.sync.tls.mutual }}
- --sync-tls-cert={{ include "tollgate.paths.syncTLS" . }}/tls.crt
- --sync-tls-key={{ include "tollgate.paths.syncTLS" . }}/tls.key
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.sidecar.egress }}
{{- if .enabled }}
- --egress
{{- if .caSecret }}
- --egress-ca-cert={{ include "tollgate.paths.egressCA" $ }}/ca.pem
- --egress-ca-key={{ include "tollgate.paths.egressCA" $ }}/ca.key
{{- end }}
{{- range .allow }}
- --egress-allow={{ . }}
{{- end }}
{{- range .intercept }}
- --egress-intercept={{ . }}
{{- end }}
{{- if .strict }}
- --egress-strict
{{- end }}
{{- end }}
{{- end }}
{{- range .Values.sidecar.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Container securityContext shared by every Tollgate container. */}}
{{- define "tollgate.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "tollgate.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
The sidecar configuration file (docs/configuration.md, "The sidecar file"): the non-empty
sections of .Values.config in the documented order.
*/}}
{{- define "tollgate.sidecarConfigFile" -}}
# Rendered by the tollgate chart from .Values.config. Check it with: tollgate check-config FILE
{{- range $section := list "server" "limits" "timeouts" "providers" "models" "routing" "keys" "budgets" "mcp" "egress" "cluster" }}
{{- $value := index $.Values.config $section }}
{{- if $value }}
{{ dict $section $value | toYaml }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "tollgate.coordinatorConfigFile" -}}
# Rendered by the tollgate chart from .Values.coordinator.budgets: the cluster-wide budgets.
{{- if .Values.coordinator.budgets }}
{{ dict "budgets" .Values.coordinator.budgets | toYaml }}
{{- else }}
budgets: []
{{- end }}
{{- end -}}

{{/*
Labels the pods carrying the sidecar must have: the coordinator's NetworkPolicy admits them and
the gossip Service finds them by these.
*/}}
{{- define "tollgate.sidecarPodLabels" -}}
tollgate.io/sidecar: "true"
tollgate.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
Annotations for pods carrying the sidecar: roll them when the sidecar config changes, and let
annotation-based Prometheus scrapers find the admin port.
*/}}
{{- define "tollgate.sidecarPodAnnotations" -}}
checksum/tollgate-config: {{ include "tollgate.sidecarConfigFile" . | sha256sum }}
{{- if .Values.sidecar.prometheusAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.sidecar.adminPort | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}

{{- define "tollgate.sidecarPreStopSleep" -}}
{{- if kindIs "invalid" .Values.sidecar.preStopSleepSeconds -}}
{{- if .Values.sidecar.native -}}0{{- else -}}10{{- end -}}
{{- else -}}
{{- .Values.sidecar.preStopSleepSeconds -}}
{{- end -}}
{{- end -}}

{{/*
Environment for the app container: the base URLs of the sidecar and, with sidecar.egress, the
proxy variables for SDKs and tools that only honour HTTPS_PROXY.
*/}}
{{- define "tollgate.appEnv" -}}
{{- $base := printf "%s:%d" (ternary "https://localhost" "http://127.0.0.1" .Values.sidecar.tls.enabled) (int .Values.sidecar.port) -}}
- name: OPENAI_BASE_URL
  value: {{ $base }}/v1
- name: ANTHROPIC_BASE_URL
  value: {{ $base }}
{{- if .Values.sidecar.egress.enabled }}
- name: HTTPS_PROXY
  value: http://127.0.0.1:{{ .Values.sidecar.port }}
- name: HTTP_PROXY
  value: http://127.0.0.1:{{ .Values.sidecar.port }}
- name: NO_PROXY
  value: localhost,127.0.0.1
{{- end }}
{{- end -}}

{{/*
The sidecar container, for your pod spec. With sidecar.native (default) put it under
initContainers (it carries restartPolicy: Always); otherwise under containers. From a parent
chart that depends on this one:

  initContainers:
    {{- include "tollgate.sidecar" .Subcharts.tollgate | nindent 4 }}
  volumes:
    {{- include "tollgate.sidecarVolumes" .Subcharts.tollgate | nindent 4 }}
*/}}
{{- define "tollgate.sidecar" -}}
{{- $preStop := include "tollgate.sidecarPreStopSleep" . | int -}}
- name: tollgate
  image: {{ include "tollgate.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if .Values.sidecar.native }}
  restartPolicy: Always
  {{- end }}
  command: ["/usr/local/bin/tollgate"]
  args:
    {{- include "tollgate.sidecarArgs" . | nindent 4 }}
  env:
    # The pod's UID is the sidecar's stable node id in the cluster-budget protocol.
    - name: TOLLGATE_NODE_ID
      valueFrom:
        fieldRef:
          fieldPath: metadata.uid
    - name: TOLLGATE_POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
    - name: TOLLGATE_POD_IP
      valueFrom:
        fieldRef:
          fieldPath: status.podIP
    {{- range .Values.providerKeys.env }}
    - name: {{ . }}
      valueFrom:
        secretKeyRef:
          name: {{ include "tollgate.providerKeysSecretName" $ }}
          key: {{ . }}
    {{- end }}
    {{- with .Values.sidecar.extraEnv }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  ports:
    - name: tollgate-admin
      containerPort: {{ .Values.sidecar.adminPort }}
      protocol: TCP
    {{- if .Values.sidecar.cluster.enabled }}
    - name: tollgate-gossip
      containerPort: {{ .Values.sidecar.gossipPort }}
      protocol: UDP
    {{- end }}
  # Native sidecars hold back the app until the startup probe passes: the app's first call
  # finds the sidecar listening.
  startupProbe:
    httpGet: {path: /readyz, port: {{ .Values.sidecar.adminPort }}}
    periodSeconds: 1
    failureThreshold: 30
  readinessProbe:
    httpGet: {path: /readyz, port: {{ .Values.sidecar.adminPort }}}
    periodSeconds: 5
  livenessProbe:
    httpGet: {path: /healthz, port: {{ .Values.sidecar.adminPort }}}
    periodSeconds: 10
    failureThreshold: 3
  {{- if gt $preStop 0 }}
  lifecycle:
    preStop:
      sleep:
        seconds: {{ $preStop }}
  {{- end }}
  resources:
    {{- toYaml .Values.sidecar.resources | nindent 4 }}
  securityContext:
    {{- include "tollgate.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: tollgate-config
      mountPath: {{ include "tollgate.paths.config" . }}
      readOnly: true
    - name: tollgate-data
      mountPath: {{ include "tollgate.paths.data" . }}
    {{- if .Values.sidecar.tls.enabled }}
    - name: tollgate-tls
      mountPath: {{ include "tollgate.paths.tls" . }}
      readOnly: true
    {{- end }}
    {{- if .Values.sidecar.cluster.enabled }}
    - name: tollgate-sync
      mountPath: {{ include "tollgate.paths.sync" . }}
      readOnly: true
    {{- if .Values.sync.tls.enabled }}
    - name: tollgate-sync-tls
      mountPath: {{ include "tollgate.paths.syncTLS" . }}
      readOnly: true
    {{- end }}
    {{- end }}
    {{- if and .Values.sidecar.egress.enabled .Values.sidecar.egress.caSecret }}
    - name: tollgate-egress-ca
      mountPath: {{ include "tollgate.paths.egressCA" . }}
      readOnly: true
    {{- end }}
{{- end -}}

{{/* The volumes the sidecar mounts, for your pod spec's volumes list. */}}
{{- define "tollgate.sidecarVolumes" -}}
- name: tollgate-config
  configMap:
    name: {{ include "tollgate.sidecarConfigMapName" . }}
- name: tollgate-data
  emptyDir:
    sizeLimit: 256Mi
{{- if .Values.sidecar.tls.enabled }}
- name: tollgate-tls
  secret:
    secretName: {{ .Values.sidecar.tls.existingSecret }}
{{- end }}
{{- if .Values.sidecar.cluster.enabled }}
- name: tollgate-sync
  secret:
    secretName: {{ include "tollgate.syncSecretName" . }}
    items:
      - key: {{ .Values.sync.existingSecretKey }}
        path: {{ .Values.sync.existingSecretKey }}
{{- if .Values.sync.tls.enabled }}
- name: tollgate-sync-tls
  secret:
    secretName: {{ .Values.sync.tls.sidecarSecret }}
{{- end }}
{{- end }}
{{- if and .Values.sidecar.egress.enabled .Values.sidecar.egress.caSecret }}
# The CA key: mounted into the sidecar container only, never into the app.
- name: tollgate-egress-ca
  secret:
    secretName: {{ .Values.sidecar.egress.caSecret }}
    items:
      - {key: ca.pem, path: ca.pem}
      - {key: ca.key, path: ca.key}
{{- end }}
{{- end -}}
