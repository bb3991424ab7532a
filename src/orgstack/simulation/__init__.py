"""What-if evaluation of requests against the organization and roles stored by orgstack.

`principals.parse_principal` reads the principal ARN of a simulated request. `live.simulate`
loads the policy layers that apply to it from the store and evaluates it with the policy engine.
`report` renders the result for `orgstack simulate`. `positions` locates statements in a policy's
text for IAM's SimulatePrincipalPolicy and SimulateCustomPolicy.
"""
