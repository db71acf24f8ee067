variable "clerk_jwks_url" {
  description = "ALEX_CLERK_JWKS_URL: the Clerk instance's JWKS (https://<instance>.clerk.accounts.dev/.well-known/jwks.json)."
  type        = string
  validation {
    condition     = can(regex("^https://[^/\\s]+/\\S*$", var.clerk_jwks_url))
    error_message = "clerk_jwks_url must be the https URL of the Clerk instance's JWKS (the AWS deployment signs in with Clerk only)."
  }
}

variable "clerk_issuer" {
  description = "ALEX_CLERK_ISSUER: the Clerk instance's Frontend API URL, the tokens' iss."
  type        = string
  validation {
    condition     = can(regex("^https://[^/\\s]+$", var.clerk_issuer))
    error_message = "clerk_issuer must be an https origin such as https://<instance>.clerk.accounts.dev."
  }
}

variable "clerk_publishable_key" {
  description = "ALEX_CLERK_PUBLISHABLE_KEY: public by design (it is in the web app's JavaScript)."
  type        = string
  default     = ""
  validation {
    condition     = var.clerk_publishable_key == "" || can(regex("^pk_(test|live)_[A-Za-z0-9+/=_-]+$", var.clerk_publishable_key))
    error_message = "clerk_publishable_key must be a Clerk publishable key (pk_test_… or pk_live_…); a secret key (sk_…) never goes here."
  }
}

variable "extra_cors_origins" {
  description = "Origins besides the CloudFront site that may call the API from a browser (and sign in through Clerk)."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for o in var.extra_cors_origins : can(regex("^(https://[a-z0-9.-]+|http://(localhost|127\\.0\\.0\\.1))(:[0-9]{1,5})?$", o))])
    error_message = "Each extra origin must be https://host[:port] (or http://localhost[:port]), without a path or a wildcard."
  }
}

variable "content_security_policy" {
  description = "The web app's Content-Security-Policy; scripts/deploy.py passes alex.api.security.content_security_policy() for the deployed settings. Empty sends none."
  type        = string
  default     = ""
  validation {
    condition     = length(var.content_security_policy) <= 1783 && !can(regex("[\\r\\n]", var.content_security_policy))
    error_message = "CloudFront takes a single-line Content-Security-Policy of at most 1783 characters."
  }
}

variable "api_memory_mb" {
  type    = number
  default = 1024
}

variable "api_throttle_rate" {
  description = "Steady requests per second the HTTP API accepts across all clients."
  type        = number
  default     = 50
  validation {
    condition     = var.api_throttle_rate > 0 && var.api_throttle_rate <= 10000
    error_message = "api_throttle_rate must be above 0 and at most 10000."
  }
}

variable "api_throttle_burst" {
  type    = number
  default = 100
  validation {
    condition     = var.api_throttle_burst >= 1 && var.api_throttle_burst <= 5000
    error_message = "api_throttle_burst must be 1-5000."
  }
}

variable "waf_requests_per_5_minutes" {
  description = "Requests one IP may make in 5 minutes before WAF blocks it."
  type        = number
  default     = 1000
  validation {
    condition     = var.waf_requests_per_5_minutes >= 100 && var.waf_requests_per_5_minutes <= 2000000000
    error_message = "waf_requests_per_5_minutes must be at least 100."
  }
}

variable "cloudfront_price_class" {
  description = "PriceClass_100 (North America and Europe edges: cheapest), PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"
  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.cloudfront_price_class)
    error_message = "cloudfront_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "log_retention_days" {
  type    = number
  default = 30
}
