import SwaggerUI from 'swagger-ui-react'
import 'swagger-ui-react/swagger-ui.css'

/** An OpenAPI document rendered by Swagger UI, read-only: no "Try it out", no requests,
 * no validator badge (which would call a remote service). */
export default function OpenApiView({ document }: { document: object }) {
  return (
    <SwaggerUI
      spec={document}
      supportedSubmitMethods={[]}
      tryItOutEnabled={false}
      docExpansion="list"
      defaultModelsExpandDepth={1}
      deepLinking={false}
    />
  )
}
