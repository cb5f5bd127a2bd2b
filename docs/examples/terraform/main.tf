# Keys as code with plain Terraform: a quota policy, a production key that follows it and rotates every
# 90 days, and its secret as a sensitive output. docs/terraform.md explains each attribute.
#
#   npm run -w terraform-provider mirror -- ~/.terraform-mirror   # prints the provider_installation block
#   export KEYSMITH_ENDPOINT=http://127.0.0.1:8080 KEYSMITH_ROOT_KEY=<a root key>
#   terraform init && terraform apply

terraform {
  required_version = ">= 1.5"
  required_providers {
    keysmith = {
      source  = "keysmith.local/keysmith/keysmith"
      version = "0.1.0"
    }
  }
}

# endpoint and root_key fall back to KEYSMITH_ENDPOINT and KEYSMITH_ROOT_KEY; keep the root key out of code.
provider "keysmith" {
  # endpoint = "https://keysmith.internal.example"
  requests_per_second = 20
}

resource "keysmith_quota_policy" "standard" {
  name = "standard"

  quota {
    daily   = 10000
    monthly = 200000
  }

  rate_limit {
    limit          = 60
    window_seconds = 60
  }
}

resource "keysmith_api_key" "webshop" {
  name            = "Webshop integration"
  environment     = "production"
  scopes          = ["push:send"]
  ip_allowlist    = ["10.0.0.0/8"]
  quota_policy_id = keysmith_quota_policy.standard.id
  metadata_json   = jsonencode({ team = "shop" })

  # A plan or apply that runs 90 days or more after the last rotation rotates the secret; the old one keeps
  # working for 24 hours more. Nothing rotates between runs: schedule a pipeline that applies.
  rotation {
    every   = "90d"
    overlap = "24h"
  }
}

output "webshop_key_id" {
  value = keysmith_api_key.webshop.id
}

output "webshop_secret" {
  value     = keysmith_api_key.webshop.secret
  sensitive = true
}

# Bring a key made elsewhere (the console, the CLI) under Terraform: uncomment, set its id, declare a
# resource for it, and run `terraform plan` (Terraform 1.5 or later). Its secret stays null in state.
#
# import {
#   to = keysmith_api_key.legacy
#   id = "key_0123456789abcdefABCD"
# }
#
# resource "keysmith_api_key" "legacy" {
#   name = "Legacy integration"
# }
