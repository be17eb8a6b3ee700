//! Trace export to an OpenTelemetry collector (OTLP over HTTP), so an operator running several
//! replicas sees one request's spans — HTTP request, tool call, Auth0 calls and retries — together
//! in their tracing backend. Spans carry the same fields as the logs: never a secret.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::registry::LookupSpan;

use crate::config::TelemetrySettings;

/// The running exporter. Spans are batched on the SDK's own thread; [`Export::shutdown`] sends
/// what is still queued, so the last requests before a stop are not lost.
pub struct Export {
    provider: SdkTracerProvider,
}

impl Export {
    /// Starts exporting when an endpoint is configured; `None` otherwise.
    pub fn start(settings: &TelemetrySettings) -> anyhow::Result<Option<Export>> {
        let Some(url) = &settings.otlp_traces_url else {
            return Ok(None);
        };
        let exporter = SpanExporter::builder()
            .with_http()
            .with_endpoint(url.as_str())
            .with_timeout(std::time::Duration::from_secs(10))
            .build()?;
        let resource = Resource::builder()
            .with_service_name(settings.service_name.clone())
            .with_attribute(opentelemetry::KeyValue::new(
                "service.version",
                env!("CARGO_PKG_VERSION"),
            ))
            .build();
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build();
        Ok(Some(Export { provider }))
    }

    /// The `tracing` layer that turns spans into OpenTelemetry spans for this exporter.
    pub fn layer<S>(
        &self,
    ) -> tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>
    where
        S: tracing::Subscriber + for<'span> LookupSpan<'span>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("mcp-gateway"))
    }

    /// Sends the queued spans and stops the exporter. It blocks on the export, so async callers
    /// run it with `spawn_blocking`.
    pub fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "the last spans could not be exported");
        }
    }
}
