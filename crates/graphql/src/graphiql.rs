//! GraphiQL, served from vendored files (see `assets/README.md`): no CDN,
//! works offline. The page sends the `X-Tenant` header it is given as
//! `?tenant=<slug>` (editable in GraphiQL's headers pane).

/// A vendored asset: its name under `/graphql/assets/`, type and bytes.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

pub const ASSETS: &[Asset] = &[
    Asset {
        name: "graphiql-3.9.0.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/graphiql-3.9.0.min.js"),
    },
    Asset {
        name: "graphiql-3.9.0.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/graphiql-3.9.0.min.css"),
    },
    Asset {
        name: "react-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/react-18.3.1.production.min.js"),
    },
    Asset {
        name: "react-dom-18.3.1.production.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/react-dom-18.3.1.production.min.js"),
    },
];

pub fn asset(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The GraphiQL page for an endpoint at `endpoint` (e.g. `/graphql`).
pub fn page(endpoint: &str) -> String {
    let endpoint = serde_json::to_string(endpoint).unwrap_or_else(|_| "\"/graphql\"".into());
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Taquilla · GraphiQL</title>
<link rel="stylesheet" href="/graphql/assets/graphiql-3.9.0.min.css">
<style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphql/assets/react-18.3.1.production.min.js"></script>
<script src="/graphql/assets/react-dom-18.3.1.production.min.js"></script>
<script src="/graphql/assets/graphiql-3.9.0.min.js"></script>
<script>
  // Tenant from ?tenant=<slug>; add "Authorization": "Bearer <token>" in the headers pane.
  const tenant = new URLSearchParams(location.search).get("tenant");
  const headers = tenant ? {{ "X-Tenant": tenant }} : {{}};
  const fetcher = GraphiQL.createFetcher({{ url: {endpoint} }});
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{
      fetcher,
      defaultHeaders: JSON.stringify(headers, null, 2),
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: "headers",
      defaultQuery: "# Taquilla GraphQL\n# Tenant: the X-Tenant header below (or ?tenant=<slug>).\n# Your own data: add \"Authorization\": \"Bearer <token>\".\n\nquery Events {{\n  events(first: 5) {{\n    totalCount\n    edges {{\n      node {{\n        id title startsAt\n        sessions {{\n          id title status\n          ticketTypes {{ name available priceMinor currency }}\n        }}\n      }}\n    }}\n  }}\n}}\n",
    }}),
  );
</script>
</body>
</html>
"##
    )
}
