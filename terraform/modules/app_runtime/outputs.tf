output "environment" {
  description = "Settings every function starts with."
  value       = local.environment
}

output "policies" {
  description = "Policy documents (JSON) by capability; a function's role gets the ones it uses."
  value = {
    runtime        = data.aws_iam_policy_document.runtime.json
    chat_model     = data.aws_iam_policy_document.chat_model.json
    embeddings     = data.aws_iam_policy_document.embeddings.json
    vectors_query  = data.aws_iam_policy_document.vectors_query.json
    vectors_put    = data.aws_iam_policy_document.vectors_put.json
    vectors_delete = data.aws_iam_policy_document.vectors_delete.json
    vectors_list   = data.aws_iam_policy_document.vectors_list.json
  }
}
